package dev.omega.mem.monitor;

import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.MonitoredSystem;
import dev.omega.mem.spi.PerformanceMonitorProvider;
import java.time.Clock;

/** The built-in performance monitor, {@code sampling}: see {@link SamplingPerformanceMonitor}. */
public final class SamplingMonitorProvider implements PerformanceMonitorProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public SamplingMonitorProvider() {}

  @Override
  public String name() {
    return "sampling";
  }

  @Override
  public PerformanceMonitor create(PerformanceMonitorConfig config, MonitoredSystem system) {
    return new SamplingPerformanceMonitor(config, system, Clock.systemUTC());
  }
}
