package dev.omega.mem.api.gc;

import java.util.List;

/**
 * Distribution of collection pauses, in nanoseconds.
 *
 * @param count pauses recorded
 * @param totalNanos sum of all pauses
 * @param maxNanos longest pause
 * @param p50Nanos median pause
 * @param p99Nanos 99th percentile pause
 * @param bucketUpperBoundsNanos upper bounds of the histogram buckets, ascending
 * @param bucketCounts pauses per bucket; one more entry than bounds (the overflow bucket)
 */
public record PauseStatistics(
    long count,
    long totalNanos,
    long maxNanos,
    long p50Nanos,
    long p99Nanos,
    List<Long> bucketUpperBoundsNanos,
    List<Long> bucketCounts) {

  public PauseStatistics {
    bucketUpperBoundsNanos = List.copyOf(bucketUpperBoundsNanos);
    bucketCounts = List.copyOf(bucketCounts);
  }

  /** No pauses. */
  public static PauseStatistics empty() {
    return new PauseStatistics(0, 0, 0, 0, 0, List.of(), List.of(0L));
  }
}
