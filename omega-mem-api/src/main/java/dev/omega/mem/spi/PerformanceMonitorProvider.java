package dev.omega.mem.spi;

import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.monitor.PerformanceMonitor;

/** Makes the performance monitor; found by {@link java.util.ServiceLoader}. */
public interface PerformanceMonitorProvider {

  String name();

  /** A monitor of {@code system}, not yet sampling. */
  PerformanceMonitor create(PerformanceMonitorConfig config, MonitoredSystem system);
}
