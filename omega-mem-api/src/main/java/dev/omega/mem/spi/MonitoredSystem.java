package dev.omega.mem.spi;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.Optional;

/**
 * What a monitor or exporter observes.
 *
 * @param manager the memory manager (its pools, statistics and allocation events)
 * @param heap the managed heap and its collector, when one is installed
 */
public record MonitoredSystem(MemoryManager manager, Optional<ManagedHeap> heap) {
  public MonitoredSystem {
    if (manager == null || heap == null) {
      throw new NullPointerException("manager and heap must not be null (use Optional.empty())");
    }
  }
}
