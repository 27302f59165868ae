package dev.omega.mem.monitor;

import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.MetricsExporter;
import dev.omega.mem.spi.MetricsExporterProvider;
import dev.omega.mem.spi.MonitoredSystem;

/**
 * The providers of the built-in exporters, each registered in {@code META-INF/services}: {@code
 * dashboard} (started by {@code dashboard_port}), {@code jmx} and {@code jfr} (started by naming
 * them in {@code exporters}). Micrometer is not among them: a meter registry belongs to the
 * application, which binds {@link OmegaMemoryMeterBinder} to it.
 */
final class BuiltInExporters {
  private BuiltInExporters() {}

  /** {@code dashboard}: the HTTP dashboard and {@code /metrics}. */
  public static final class DashboardProvider implements MetricsExporterProvider {
    @Override
    public String name() {
      return "dashboard";
    }

    @Override
    public MetricsExporter create(
        PerformanceMonitor monitor, MonitoredSystem system, PerformanceMonitorConfig config) {
      return new DashboardServer(monitor, system, config);
    }
  }

  /** {@code jmx}: the platform MBean. */
  public static final class JmxProvider implements MetricsExporterProvider {
    @Override
    public String name() {
      return "jmx";
    }

    @Override
    public MetricsExporter create(
        PerformanceMonitor monitor, MonitoredSystem system, PerformanceMonitorConfig config) {
      return new JmxExporter(monitor, system, config.jmxName());
    }
  }

  /** {@code jfr}: Flight Recorder events. */
  public static final class JfrProvider implements MetricsExporterProvider {
    @Override
    public String name() {
      return "jfr";
    }

    @Override
    public MetricsExporter create(
        PerformanceMonitor monitor, MonitoredSystem system, PerformanceMonitorConfig config) {
      return new JfrExporter(monitor, system);
    }
  }
}
