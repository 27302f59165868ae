package dev.omega.mem.it.race;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one memory system each jcstress fork shares between its test states. jcstress builds
 * thousands of states per second, so they allocate from one manager rather than each building a
 * system; that is also the realistic case, many threads on one manager.
 */
final class RaceSystem {
  static final MemoryManager MANAGER;

  /** A small manager whose pool the compaction race compacts, apart from the others' blocks. */
  static final MemoryManager COMPACTING;

  private static final AtomicLong DOMAINS = new AtomicLong();

  static {
    OmegaMemory omega =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(64L << 20).build())
            .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build())
            .build();
    MANAGER = omega.memoryManager();
    COMPACTING =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(256L << 20).build())
            .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build())
            .build()
            .memoryManager();
  }

  private RaceSystem() {}

  /** A name no other state uses, for a domain of its own. */
  static String domainName() {
    return "race-" + DOMAINS.incrementAndGet();
  }
}
