package example.app;

import dev.omega.mem.api.MemoryBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.ObjLongConsumer;

/**
 * An application outside Omega's packages that allocates from two methods, so that a site profile
 * can be checked against the sites it should find. Each sampled allocation is handed to {@code
 * sampled}, as the manager hands a sampled block to its listeners.
 */
public final class SiteAllocatingApp {
  private final LongFunction<MemoryBlock> blocks;
  private final ObjLongConsumer<MemoryBlock> sampled;

  public SiteAllocatingApp(LongFunction<MemoryBlock> blocks, ObjLongConsumer<MemoryBlock> sampled) {
    this.blocks = blocks;
    this.sampled = sampled;
  }

  /** Allocates {@code count} blocks of 64 bytes: one site. */
  public List<MemoryBlock> smallBuffers(int count) {
    List<MemoryBlock> made = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      MemoryBlock block = blocks.apply(64);
      sampled.accept(block, 64);
      made.add(block);
    }
    return made;
  }

  /** Allocates {@code count} blocks of 4096 bytes: another site. */
  public List<MemoryBlock> pageBuffers(int count) {
    List<MemoryBlock> made = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      MemoryBlock block = blocks.apply(4096);
      sampled.accept(block, 4096);
      made.add(block);
    }
    return made;
  }
}
