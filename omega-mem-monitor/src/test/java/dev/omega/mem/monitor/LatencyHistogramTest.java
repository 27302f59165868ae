package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.monitor.LatencySummary;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void everyValue_fallsInABucketWhoseBoundsHoldIt() {
    Random random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      long value = (random.nextLong() >>> 1) >>> random.nextInt(63);
      int index = LatencyHistogram.index(value);
      assertTrue(index >= 0 && index < LatencyHistogram.BUCKETS, "index of " + value);
      assertTrue(value <= LatencyHistogram.upperBound(index), "upper bound of " + value);
      if (index > 0) {
        assertTrue(value > LatencyHistogram.upperBound(index - 1), "lower bound of " + value);
      }
    }
    assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.index(Long.MAX_VALUE));
  }

  @Test
  void percentiles_areWithinTheBucketPrecisionOfTheExactOnes() {
    LatencyHistogram histogram = new LatencyHistogram();
    Random random = new Random(11);
    long[] values = new long[50_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = 20 + (long) Math.abs(random.nextGaussian() * 3_000);
      histogram.record(values[i]);
    }
    Arrays.sort(values);
    LatencySummary summary = LatencyHistogram.summarize(null, histogram.snapshot());
    assertEquals(values.length, summary.samples());
    assertClose(values[values.length / 2 - 1], summary.p50Nanos());
    assertClose(values[(int) (values.length * 0.9) - 1], summary.p90Nanos());
    assertClose(values[(int) (values.length * 0.99) - 1], summary.p99Nanos());
    assertClose(values[values.length - 1], summary.maxNanos());
  }

  @Test
  void summarize_ofAWindow_countsOnlyValuesRecordedInIt() {
    LatencyHistogram histogram = new LatencyHistogram();
    for (int i = 0; i < 1000; i++) {
      histogram.record(100);
    }
    long[] before = histogram.snapshot();
    for (int i = 0; i < 10; i++) {
      histogram.record(1_000_000);
    }
    LatencySummary window = LatencyHistogram.summarize(before, histogram.snapshot());
    assertEquals(10, window.samples());
    assertClose(1_000_000, window.p50Nanos());
    assertEquals(LatencySummary.empty(), LatencyHistogram.summarize(before, before));
  }

  private static void assertClose(long exact, long reported) {
    assertTrue(
        reported >= exact && reported <= exact + exact / 8 + 1,
        "reported " + reported + " for exact " + exact + " (allowed: up to 12.5% above)");
  }
}
