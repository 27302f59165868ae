package dev.omega.mem.monitor;

import dev.omega.mem.api.monitor.LatencySummary;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A log-linear latency histogram in the manner of HdrHistogram, small enough to sit behind a
 * sampled allocation listener.
 *
 * <p>Layout: values below 8 ns get a bucket each; above, each power of two {@code [2^e, 2^(e+1))}
 * is split into 8 equal sub-buckets, so a recorded value is known to within 12.5 %. 488 {@code
 * long} counters cover every non-negative {@code long}. Recording is one atomic increment (callers
 * are already sampled one in {@value dev.omega.mem.api.AllocationListener#SAMPLING_INTERVAL}, so
 * contention is low); a percentile is one pass over the counters. Intervals are taken by
 * subtracting an earlier {@link #snapshot()} from a later one, so recording never resets anything
 * under a reader. The sum of the values (a Prometheus summary's {@code _sum}) is kept beside the
 * counters, in a {@link LongAdder}, and rides in the snapshot's last slot.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 3;
  private static final int SUB_BUCKETS = 1 << SUB_BITS;
  static final int BUCKETS = (63 - SUB_BITS + 1) * SUB_BUCKETS;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final LongAdder sum = new LongAdder();

  void record(long nanos) {
    long value = Math.max(0, nanos);
    counts.incrementAndGet(index(value));
    sum.add(value);
  }

  static int index(long value) {
    if (value < SUB_BUCKETS) {
      return (int) value;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(value);
    int sub = (int) ((value >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1));
    return (exponent - SUB_BITS + 1) * SUB_BUCKETS + sub;
  }

  /** The largest value that falls in bucket {@code index}. */
  static long upperBound(int index) {
    if (index < SUB_BUCKETS) {
      return index;
    }
    int exponent = index / SUB_BUCKETS + SUB_BITS - 1;
    long sub = index % SUB_BUCKETS;
    long lower = (1L << exponent) + (sub << (exponent - SUB_BITS));
    long width = 1L << (exponent - SUB_BITS);
    long upper = lower + width - 1;
    return upper < 0 ? Long.MAX_VALUE : upper;
  }

  /** The counters, then the sum in slot {@link #BUCKETS}. */
  long[] snapshot() {
    long[] copy = new long[BUCKETS + 1];
    for (int i = 0; i < BUCKETS; i++) {
      copy[i] = counts.get(i);
    }
    copy[BUCKETS] = sum.sum();
    return copy;
  }

  /** Percentiles of the values recorded between {@code before} and {@code after} snapshots. */
  static LatencySummary summarize(long[] before, long[] after) {
    long[] window = new long[BUCKETS];
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      window[i] = after[i] - (before == null ? 0 : before[i]);
      total += window[i];
    }
    if (total == 0) {
      return LatencySummary.empty();
    }
    long max = 0;
    for (int i = BUCKETS - 1; i >= 0; i--) {
      if (window[i] > 0) {
        max = upperBound(i);
        break;
      }
    }
    return new LatencySummary(
        total,
        percentile(window, total, 0.50),
        percentile(window, total, 0.90),
        percentile(window, total, 0.99),
        max,
        after[BUCKETS] - (before == null ? 0 : before[BUCKETS]));
  }

  private static long percentile(long[] window, long total, double fraction) {
    // The epsilon keeps 50000 * 0.9 from rounding up to rank 45001.
    long rank = Math.max(1, (long) Math.ceil(total * fraction - 1e-9));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += window[i];
      if (seen >= rank) {
        return upperBound(i);
      }
    }
    return upperBound(BUCKETS - 1);
  }
}
