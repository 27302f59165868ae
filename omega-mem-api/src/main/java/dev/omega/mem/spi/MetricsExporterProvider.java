package dev.omega.mem.spi;

import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.monitor.PerformanceMonitor;

/** Makes a {@link MetricsExporter}; found by {@link java.util.ServiceLoader}. */
public interface MetricsExporterProvider {

  /** The name configuration uses to switch it on, such as {@code jmx}. */
  String name();

  /** An exporter of {@code monitor}'s figures, not yet started. */
  MetricsExporter create(
      PerformanceMonitor monitor, MonitoredSystem system, PerformanceMonitorConfig config);
}
