package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.UseAfterFreeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the managed heap relies on when it borrows its chunks' bytes. */
class PinnedMemoryTest {

  /**
   * Compaction slides every run it may move towards the pool's start; a pinned run stays where its
   * lent segment points, and the runs after it slide only down to it. Every block keeps its bytes,
   * and the lent segment still sees (and writes) the pinned block's.
   */
  @Test
  void compaction_leavesAPinnedRunInPlace_andMovesTheOthersAroundIt() {
    try (OffHeapMemoryManager manager = Fixtures.manager(64 * 4096)) {
      List<MemoryBlock> blocks = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        MemoryBlock block = manager.allocate(5 * 4096); // past the small classes: a page run
        block.fill((byte) (i + 1));
        blocks.add(block);
      }
      for (int i = 0; i < 12; i += 2) {
        manager.deallocate(blocks.get(i));
      }
      MemoryBlock pinned = blocks.get(7);
      MemorySegment lent = manager.pin(pinned);
      assertNotNull(lent);
      assertEquals(pinned.size(), lent.byteSize());
      long before = lent.address();

      assertTrue(manager.pool().compact(), "runs before the pinned one moved");

      for (int i = 1; i < 12; i += 2) {
        byte[] bytes = blocks.get(i).toByteArray();
        for (byte b : bytes) {
          assertEquals((byte) (i + 1), b, "block " + i + " after compaction");
        }
      }
      assertEquals(before, lent.address());
      assertEquals((byte) 8, lent.get(ValueLayout.JAVA_BYTE, 0), "the segment is the block's");
      lent.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 0x0102_0304_0506_0708L);
      assertEquals(0x0102_0304_0506_0708L, pinned.getLong(8), "writes meet in the same bytes");

      manager.unpin(pinned);
      assertThrows(IllegalStateException.class, () -> manager.unpin(pinned), "counted pins");
    }
  }

  @Test
  void pin_refusesFreedBlocks_andLendsNoSlabBlock() {
    try (OffHeapMemoryManager manager = Fixtures.manager(64 * 4096)) {
      MemoryBlock small = manager.allocate(64);
      assertNull(manager.pin(small), "a slab's pages hold other blocks");
      MemoryBlock run = manager.allocate(5 * 4096);
      manager.deallocate(run);
      assertThrows(UseAfterFreeException.class, () -> manager.pin(run));
      manager.deallocate(small);
    }
  }
}
