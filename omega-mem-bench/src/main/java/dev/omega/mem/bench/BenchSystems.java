package dev.omega.mem.bench;

import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.runtime.OmegaMemory;

/** The system every benchmark measures: a pool of a given size, the monitor off. */
final class BenchSystems {
  private BenchSystems() {}

  static OmegaMemory.Builder builder(long poolBytes) {
    return OmegaMemory.builder()
        .pool(MemoryPoolConfig.builder().poolSize(poolBytes).build())
        .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build());
  }
}
