package dev.omega.mem.spi;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.ManagedHeap;

/**
 * Makes the managed heap; found by {@link java.util.ServiceLoader}. Exactly one is expected on the
 * class path ({@code omega-mem-gc}).
 */
public interface ManagedHeapProvider {

  String name();

  /**
   * A heap whose objects live in {@code manager}'s memory, reclaimed by {@code collector}'s kind.
   */
  ManagedHeap create(
      GarbageCollectorConfig config, MemoryManager manager, GarbageCollectorProvider collector);
}
