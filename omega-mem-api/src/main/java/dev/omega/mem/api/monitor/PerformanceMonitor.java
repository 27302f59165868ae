package dev.omega.mem.api.monitor;

import java.util.List;

/**
 * Samples memory at {@code metrics_collection_interval}, keeps a bounded history, raises alerts
 * when {@code performance_thresholds} or pressure, fragmentation or leak limits are crossed, and
 * writes reports. Off, it costs nothing; on, it samples latencies rather than timing every call.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public interface PerformanceMonitor extends AutoCloseable {

  /**
   * @return {@code true} if this call started sampling, {@code false} if it was running
   */
  boolean startMonitoring();

  /**
   * @return {@code true} if this call stopped sampling, {@code false} if it was not running
   */
  boolean stopMonitoring();

  boolean isMonitoring();

  /** A fresh sample, taken now. */
  MemoryMetrics getMemoryMetrics();

  PerformanceReport generateReport();

  /** Alerts raised so far, oldest first (bounded like the history). */
  List<PerformanceAlert> getPerformanceAlerts();

  void addAlertListener(AlertListener listener);

  void removeAlertListener(AlertListener listener);

  /** Stops sampling and flushes history to its file if one is configured. */
  @Override
  void close();
}
