package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The short performance category: figures printed for a person to read, never asserted (timing
 * assertions fail on busy machines and prove nothing; the JMH benchmarks in omega-mem-bench are the
 * measurements). What is asserted is that the measured work was done and returned everything, and
 * that the monitor's sampler kept to its interval, counted in samples rather than timed.
 */
@Tag("performance_benchmarks")
class PerformanceIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private static double nanosPerPair(MemoryManager m, int pairs) {
    MemoryBlock[] ring = new MemoryBlock[64];
    long started = System.nanoTime();
    for (int i = 0; i < pairs; i++) {
      int at = i & 63;
      if (ring[at] != null) {
        m.deallocate(ring[at]);
      }
      ring[at] = m.allocate(16 + (i & 255));
    }
    long took = System.nanoTime() - started;
    for (MemoryBlock b : ring) {
      if (b != null) {
        m.deallocate(b);
      }
    }
    return (double) took / pairs;
  }

  @Test
  void allocationThroughput_withMonitoringOffAndOn_isPrinted() {
    int pairs = SuiteTally.scale(2_000_000, 20_000_000);
    double off;
    double on;
    OmegaMemory omega =
        invariants.closeAfter(
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(64 << 20).build())
                .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build())
                .build());
    invariants.track(omega.memoryManager());

    nanosPerPair(omega.memoryManager(), pairs / 4); // warm-up
    off = nanosPerPair(omega.memoryManager(), pairs);
    omega.monitor().startMonitoring();
    nanosPerPair(omega.memoryManager(), pairs / 4);
    on = nanosPerPair(omega.memoryManager(), pairs);
    assertEquals(0, omega.memoryManager().getStatistics().liveBlocks());
    System.out.printf(
        Locale.ROOT,
        "performance: allocate+free 16..271 B: %.1f ns/op monitoring off, %.1f ns/op on (%+.1f%%);"
            + " single run, not a benchmark (see omega-mem-bench/run)%n",
        off,
        on,
        100 * (on - off) / off);
    SuiteTally.OPERATIONS.add(pairs * 5L);
  }

  /**
   * At its fastest interval the sampler takes about one sample per interval: it is scheduled at a
   * fixed rate, so a sampler thread kept off the CPU for a while catches up when it runs again, and
   * only a sampler whose samples take longer than the interval falls behind for good. The bounds
   * are counts over a second of load, not timings of the code: no more samples than intervals
   * elapsed (plus the one at the end), and at least half of them.
   */
  @Test
  void monitorSampling_atItsFastestIntervalUnderLoad_takesASampleEveryInterval() throws Exception {
    Duration interval = Duration.ofMillis(10);
    OmegaMemory omega =
        invariants.closeAfter(
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(16 << 20).build())
                .monitor(
                    PerformanceMonitorConfig.builder()
                        .enableRealTimeMonitoring(false)
                        .metricsCollectionInterval(interval)
                        .build())
                .build());
    invariants.track(omega.memoryManager());

    long beforeStart = System.nanoTime();
    assertTrue(omega.monitor().startMonitoring());
    long afterStart = System.nanoTime();
    long pairs = 0;
    while (System.nanoTime() - afterStart < Duration.ofSeconds(1).toNanos()) {
      nanosPerPair(omega.memoryManager(), 20_000);
      pairs += 20_000;
    }
    long beforeReport = System.nanoTime();
    int samples = omega.monitor().generateReport().history().size();
    long afterReport = System.nanoTime();
    omega.monitor().stopMonitoring();

    long atMost = (afterReport - beforeStart) / interval.toNanos() + 1;
    long due = (beforeReport - afterStart) / interval.toNanos();
    System.out.printf(
        Locale.ROOT,
        "performance: %d monitor samples where %d intervals were due (at most %d possible)%n",
        samples,
        due,
        atMost);
    assertTrue(samples <= atMost, samples + " samples, more than the " + atMost + " intervals");
    assertTrue(
        samples >= due / 2,
        "the sampler fell behind: " + samples + " samples where " + due + " intervals were due");
    SuiteTally.OPERATIONS.add(pairs * 2);
  }
}
