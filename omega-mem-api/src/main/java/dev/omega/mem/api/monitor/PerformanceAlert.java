package dev.omega.mem.api.monitor;

import java.time.Instant;

/**
 * A threshold was crossed.
 *
 * @param timestamp when it was seen
 * @param type what was crossed
 * @param severity how bad
 * @param message a sentence for a person, with the figures
 * @param value the measured value (nanoseconds, a fraction or a count, per type)
 * @param threshold the configured limit, in the same unit
 */
public record PerformanceAlert(
    Instant timestamp,
    AlertType type,
    Severity severity,
    String message,
    double value,
    double threshold) {

  /** How urgent an alert is. */
  public enum Severity {
    INFO,
    WARNING,
    CRITICAL
  }
}
