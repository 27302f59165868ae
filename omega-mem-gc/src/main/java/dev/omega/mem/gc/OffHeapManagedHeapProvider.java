package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.ManagedHeapProvider;

/** The managed heap, registered in {@code META-INF/services}. */
public final class OffHeapManagedHeapProvider implements ManagedHeapProvider {
  @Override
  public String name() {
    return "off-heap";
  }

  @Override
  public ManagedHeap create(
      GarbageCollectorConfig config, MemoryManager manager, GarbageCollectorProvider collector) {
    return new OffHeapManagedHeap(config, manager, collector);
  }
}
