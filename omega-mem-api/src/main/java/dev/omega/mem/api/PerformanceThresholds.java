package dev.omega.mem.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code performance_thresholds}: latencies above which the monitor raises an alert.
 *
 * @param allocationTime {@code allocation_time}: p99 allocation latency
 * @param deallocationTime {@code deallocation_time}: p99 deallocation latency
 * @param gcPauseTime {@code gc_pause_time}: longest collection pause
 */
public record PerformanceThresholds(
    Duration allocationTime, Duration deallocationTime, Duration gcPauseTime) {

  public PerformanceThresholds {
    List<ConfigProblem> problems = new ArrayList<>();
    check(problems, "performance_thresholds.allocation_time", allocationTime);
    check(problems, "performance_thresholds.deallocation_time", deallocationTime);
    check(problems, "performance_thresholds.gc_pause_time", gcPauseTime);
    ConfigurationException.throwIfAny(problems);
  }

  /** The OMEGA defaults: 10 µs allocation, 5 µs deallocation, 50 ms pause. */
  public static PerformanceThresholds defaults() {
    return new PerformanceThresholds(
        Duration.ofNanos(10_000), Duration.ofNanos(5_000), Duration.ofMillis(50));
  }

  private static void check(List<ConfigProblem> problems, String key, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      problems.add(new ConfigProblem(key, value, "a positive duration such as 10us or 50ms"));
    }
  }
}
