package dev.omega.mem.spi;

import dev.omega.mem.api.gc.PauseStatistics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pause distribution: a log-spaced histogram (bucket k holds pauses up to 2^k microseconds, 1 µs to
 * ~17 min) for the shape, plus the last 8,192 pauses kept exactly for the median and p99.
 *
 * <p>Collectors record each pause here and report {@link #snapshot()} as the {@code pauses} of
 * their {@link dev.omega.mem.api.gc.CollectionStatistics}; the built-in ones do. O(1) per pause,
 * O(8192 log 8192) per snapshot.
 *
 * <p>Thread safety: thread-safe ({@code synchronized}); called once per pause.
 */
public final class PauseRecorder {
  private static final int BUCKETS = 30;
  private static final int WINDOW = 8192;

  private final long[] buckets = new long[BUCKETS + 1];
  private final long[] recent = new long[WINDOW];
  private long count;
  private long total;
  private long max;

  /** A recorder that has seen no pause yet. */
  public PauseRecorder() {}

  /** Records one pause of {@code nanos} nanoseconds. */
  public synchronized void record(long nanos) {
    long micros = Math.max(1, nanos / 1000);
    int bucket = Math.min(BUCKETS, 64 - Long.numberOfLeadingZeros(micros - 1));
    buckets[bucket]++;
    recent[(int) (count % WINDOW)] = nanos;
    count++;
    total += nanos;
    max = Math.max(max, nanos);
  }

  /** The distribution so far; an empty one before the first pause. */
  public synchronized PauseStatistics snapshot() {
    int n = (int) Math.min(count, WINDOW);
    long[] sorted = Arrays.copyOf(recent, n);
    Arrays.sort(sorted);
    List<Long> bounds = new ArrayList<>(BUCKETS);
    List<Long> counts = new ArrayList<>(BUCKETS + 1);
    for (int k = 0; k < BUCKETS; k++) {
      bounds.add((1L << k) * 1000);
      counts.add(buckets[k]);
    }
    counts.add(buckets[BUCKETS]);
    return new PauseStatistics(
        count,
        total,
        max,
        n == 0 ? 0 : sorted[(n - 1) / 2],
        n == 0 ? 0 : sorted[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)],
        bounds,
        counts);
  }
}
