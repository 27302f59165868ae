package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.spi.BackgroundCollection;
import dev.omega.mem.spi.PauseRecorder;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The SPI's helpers that the built-in collectors and plugins share. */
class CollectorSupportTest {

  @Test
  void pauseRecorder_reportsCountTotalMaxMedianP99AndHistogram() {
    PauseRecorder recorder = new PauseRecorder();
    assertEquals(0, recorder.snapshot().count());
    for (int i = 1; i <= 100; i++) {
      recorder.record(i * 1_000_000L); // 1..100 ms
    }
    PauseStatistics s = recorder.snapshot();
    assertEquals(100, s.count());
    assertEquals(5050 * 1_000_000L, s.totalNanos());
    assertEquals(100_000_000L, s.maxNanos());
    assertEquals(50_000_000L, s.p50Nanos());
    assertEquals(99_000_000L, s.p99Nanos());
    assertEquals(s.bucketUpperBoundsNanos().size() + 1, s.bucketCounts().size());
    assertEquals(100, s.bucketCounts().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void backgroundCollection_collectsWhileDue_survivesAFailure_andStopsCleanly() throws Exception {
    AtomicBoolean due = new AtomicBoolean(false);
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch afterFailure = new CountDownLatch(2);
    BackgroundCollection background =
        new BackgroundCollection(
            "test-collector",
            Duration.ofMillis(1),
            due::get,
            () -> {
              afterFailure.countDown();
              if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("injected: the thread must go on");
              }
            });
    assertFalse(background.isRunning());
    assertTrue(background.start());
    assertFalse(background.start(), "already running");
    Thread.sleep(20);
    assertEquals(0, runs.get(), "not due, so no collection");
    due.set(true);
    assertTrue(afterFailure.await(10, TimeUnit.SECONDS), "collected again after one threw");
    assertTrue(background.stop());
    int stoppedAt = runs.get();
    Thread.sleep(20);
    assertEquals(stoppedAt, runs.get(), "no collection after stop returned");
    assertFalse(background.stop(), "not running");
    assertFalse(background.isRunning());
  }
}
