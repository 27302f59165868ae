package dev.omega.mem.api.monitor;

/**
 * Percentiles of sampled latencies, in nanoseconds.
 *
 * @param samples timings the figures were computed from
 * @param p50Nanos median
 * @param p90Nanos 90th percentile
 * @param p99Nanos 99th percentile
 * @param maxNanos largest sample
 * @param totalNanos sum of the samples (what a Prometheus summary's {@code _sum} exports); 0 for
 *     samples read back from a history file, which keeps only the percentiles
 */
public record LatencySummary(
    long samples, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos, long totalNanos) {

  public static LatencySummary empty() {
    return new LatencySummary(0, 0, 0, 0, 0, 0);
  }
}
