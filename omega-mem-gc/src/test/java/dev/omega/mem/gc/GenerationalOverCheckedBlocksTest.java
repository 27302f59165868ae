package dev.omega.mem.gc;

import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;

/**
 * The contract over a manager that lends no raw bytes: the heap's cells are then read and written
 * through their checked blocks, the path a manager without {@code PinnedMemory} gets.
 */
class GenerationalOverCheckedBlocksTest extends BuiltInCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return new BuiltInCollectors.Generational();
  }

  @Override
  protected ArrayMemoryManager newManager() {
    return new ArrayMemoryManager(256L << 20, false);
  }
}
