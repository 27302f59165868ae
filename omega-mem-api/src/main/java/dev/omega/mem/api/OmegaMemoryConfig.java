package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The whole configuration of one Omega Memory system: what {@code omega-mem.conf} holds.
 *
 * @param pool the pool section
 * @param manager the manager section
 * @param garbageCollector the collector section
 * @param monitor the monitor section
 */
public record OmegaMemoryConfig(
    MemoryPoolConfig pool,
    MemoryManagerConfig manager,
    GarbageCollectorConfig garbageCollector,
    PerformanceMonitorConfig monitor) {

  public OmegaMemoryConfig {
    List<ConfigProblem> problems = new ArrayList<>();
    if (pool == null) {
      problems.add(new ConfigProblem("pool", null, "a pool configuration"));
    }
    if (manager == null) {
      problems.add(new ConfigProblem("manager", null, "a manager configuration"));
    }
    if (garbageCollector == null) {
      problems.add(new ConfigProblem("garbage_collector", null, "a collector configuration"));
    }
    if (monitor == null) {
      problems.add(new ConfigProblem("monitor", null, "a monitor configuration"));
    }
    ConfigurationException.throwIfAny(problems);
  }

  /** Every section at its defaults. */
  public static OmegaMemoryConfig defaults() {
    return new OmegaMemoryConfig(
        MemoryPoolConfig.defaults(),
        MemoryManagerConfig.defaults(),
        GarbageCollectorConfig.defaults(),
        PerformanceMonitorConfig.defaults());
  }

  public OmegaMemoryConfig withPool(MemoryPoolConfig value) {
    return new OmegaMemoryConfig(value, manager, garbageCollector, monitor);
  }

  public OmegaMemoryConfig withManager(MemoryManagerConfig value) {
    return new OmegaMemoryConfig(pool, value, garbageCollector, monitor);
  }

  public OmegaMemoryConfig withGarbageCollector(GarbageCollectorConfig value) {
    return new OmegaMemoryConfig(pool, manager, value, monitor);
  }

  public OmegaMemoryConfig withMonitor(PerformanceMonitorConfig value) {
    return new OmegaMemoryConfig(pool, manager, garbageCollector, value);
  }
}
