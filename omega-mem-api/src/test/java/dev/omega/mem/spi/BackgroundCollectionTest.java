package dev.omega.mem.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BackgroundCollectionTest {
  private static final Duration INTERVAL = Duration.ofMillis(1);

  @Test
  void loop_collectionThrowsError_threadGoesOnCollecting() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch third = new CountDownLatch(3);
    BackgroundCollection background =
        new BackgroundCollection(
            "test-collector",
            INTERVAL,
            () -> true,
            () -> {
              runs.incrementAndGet();
              third.countDown();
              throw new AssertionError("collection broke");
            });
    assertTrue(background.start());
    try {
      assertTrue(third.await(10, TimeUnit.SECONDS), "ran " + runs.get() + " times");
      assertTrue(background.isRunning());
    } finally {
      background.stop();
    }
  }

  @Test
  void loop_collectionThrowsRuntimeException_threadGoesOnCollecting() throws Exception {
    CountDownLatch twice = new CountDownLatch(2);
    BackgroundCollection background =
        new BackgroundCollection(
            "test-collector",
            INTERVAL,
            () -> true,
            () -> {
              twice.countDown();
              throw new IllegalStateException("collection broke");
            });
    background.start();
    try {
      assertTrue(twice.await(10, TimeUnit.SECONDS));
    } finally {
      background.stop();
    }
  }

  @Test
  void isRunning_threadEndedOnItsOwn_isFalseAndStartWorksAgain() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    BackgroundCollection background =
        new BackgroundCollection(
            "test-collector",
            Duration.ofSeconds(10),
            () -> true,
            () -> {
              Thread.currentThread().interrupt(); // the sleep after it ends the thread
              ran.countDown();
            });
    background.start();
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (background.isRunning() && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertFalse(background.isRunning());
    assertTrue(background.start());
    background.stop();
  }

  @Test
  @Timeout(20)
  void stop_collectionHangs_returnsWithinTheStopTimeout() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    BackgroundCollection background =
        new BackgroundCollection(
            "test-collector",
            INTERVAL,
            () -> true,
            () -> {
              runs.incrementAndGet();
              entered.countDown();
              while (release.getCount() > 0) {
                try {
                  release.await(); // ignores interrupts, like a collection stuck in native code
                } catch (InterruptedException e) {
                  // keep hanging
                }
              }
            },
            Duration.ofMillis(200));
    background.start();
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    long started = System.nanoTime();
    assertTrue(background.stop());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    release.countDown();
    assertTrue(tookMillis < 5_000, "stop took " + tookMillis + " ms");
    assertFalse(background.isRunning());
    Thread.sleep(50);
    assertTrue(runs.get() == 1, "the stopped thread collected again: " + runs.get() + " runs");
  }

  @Test
  void stop_notRunning_returnsFalse() {
    BackgroundCollection background =
        new BackgroundCollection("test-collector", INTERVAL, () -> false, () -> {});
    assertFalse(background.stop());
  }

  @Test
  void constructor_zeroStopTimeout_isRefusedNamingIt() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new BackgroundCollection(
                    "test-collector", INTERVAL, () -> false, () -> {}, Duration.ZERO));
    assertTrue(e.getMessage().contains("stopTimeout"), e.getMessage());
  }
}
