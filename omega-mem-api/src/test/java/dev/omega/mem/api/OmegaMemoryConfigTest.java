package dev.omega.mem.api;

import static dev.omega.mem.api.ConfigurationAssertions.assertRejected;
import static dev.omega.mem.api.ConfigurationAssertions.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OmegaMemoryConfigTest {

  @Test
  void everyMissingSection_isReportedTogether() {
    assertRejected(
        () -> new OmegaMemoryConfig(null, null, null, null),
        problem("pool", null, "a pool configuration"),
        problem("manager", null, "a manager configuration"),
        problem("garbage_collector", null, "a collector configuration"),
        problem("monitor", null, "a monitor configuration"));
  }

  @Test
  void withMethods_replaceOneSectionEach() {
    OmegaMemoryConfig d = OmegaMemoryConfig.defaults();
    MemoryPoolConfig pool = MemoryPoolConfig.builder().poolSize(1 << 20).build();
    MemoryManagerConfig manager = MemoryManagerConfig.builder().threadCacheBlocks(0).build();
    GarbageCollectorConfig gc =
        GarbageCollectorConfig.builder().collectionStrategy("mark-sweep").build();
    PerformanceMonitorConfig monitor =
        PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build();
    assertEquals(
        new OmegaMemoryConfig(pool, manager, gc, monitor),
        d.withPool(pool).withManager(manager).withGarbageCollector(gc).withMonitor(monitor));
  }
}
