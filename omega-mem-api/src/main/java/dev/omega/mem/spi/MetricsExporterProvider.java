package dev.omega.mem.spi;

import dev.omega.mem.api.monitor.PerformanceMonitor;

/** Makes a {@link MetricsExporter}; found by {@link java.util.ServiceLoader}. */
public interface MetricsExporterProvider {

  /** The name configuration uses to switch it on, such as {@code jmx}. */
  String name();

  MetricsExporter create(PerformanceMonitor monitor, MonitoredSystem system);
}
