package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The handshake of {@link Safepoints}, on its own, with threads a test drives step by step. */
class SafepointsTest {
  private final List<Mutator> reaped = new CopyOnWriteArrayList<>();
  private final Safepoints safepoints =
      new Safepoints(
          false,
          () -> new Mutator(Thread.currentThread(), 1),
          m -> {},
          reaped::add,
          Duration.ofMillis(300));

  /** A pause's work runs only once a running thread has reached its safepoint, never before. */
  @Test
  void pause_waitsForARunningThread_untilItPolls() throws Exception {
    AtomicBoolean polled = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch inside = new CountDownLatch(1);
    Thread mutator =
        Thread.ofPlatform()
            .start(
                () -> {
                  Mutator m = safepoints.current();
                  safepoints.enterScope(m);
                  inside.countDown();
                  long spins = 0;
                  while (!stop.get()) {
                    if (++spins % 1_000_000 == 0) {
                      polled.set(true);
                      safepoints.poll(m);
                      polled.set(false);
                    }
                  }
                  safepoints.exitScope(m);
                });
    assertTrue(inside.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 20; i++) {
      safepoints.beginPause();
      try {
        assertTrue(polled.get(), "the pause runs while the thread is at its safepoint");
      } finally {
        safepoints.endPause();
      }
    }
    stop.set(true);
    mutator.join(10_000);
    assertFalse(mutator.isAlive());
  }

  /** A thread with no open scope must wait for the pause before it may run an operation. */
  @Test
  void parkedThread_cannotEnterWhileAPauseHoldsIt() throws Exception {
    AtomicInteger stage = new AtomicInteger();
    Thread mutator;
    safepoints.current(); // registered, parked
    CountDownLatch registered = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    mutator =
        Thread.ofPlatform()
            .start(
                () -> {
                  Mutator m = safepoints.current();
                  registered.countDown();
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  boolean entered = safepoints.enterOperation(m);
                  stage.compareAndSet(1, 2); // only after the pause ended
                  safepoints.exitOperation(m, entered);
                });
    assertTrue(registered.await(10, TimeUnit.SECONDS));
    safepoints.beginPause();
    try {
      stage.set(1);
      go.countDown();
      Thread.sleep(100);
      assertEquals(1, stage.get(), "the thread did not enter while the pause held it");
    } finally {
      safepoints.endPause();
    }
    mutator.join(10_000);
    assertEquals(2, stage.get());
  }

  /**
   * A thread inside the heap that never reaches a safepoint makes the pause fail within its bound,
   * naming the thread, and holds nothing afterwards; a thread that ended inside is reaped.
   */
  @Test
  void pause_failsNamingAThreadThatNeverPolls_andReapsOneThatEndedInside() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread stuck =
        Thread.ofPlatform()
            .name("stuck-mutator")
            .start(
                () -> {
                  Mutator m = safepoints.current();
                  safepoints.enterScope(m);
                  inside.countDown();
                  try {
                    release.await(); // blocks with its scope open
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  // ends without closing its scope: still running when it dies
                });
    assertTrue(inside.await(10, TimeUnit.SECONDS));
    IllegalStateException e = assertThrows(IllegalStateException.class, safepoints::beginPause);
    assertTrue(e.getMessage().contains("stuck-mutator"), e.getMessage());
    assertFalse(safepoints.pauseRequested(), "a failed pause holds nothing");

    release.countDown();
    stuck.join(10_000);
    safepoints.beginPause(); // the ended thread no longer holds pauses up
    safepoints.endPause();
    assertEquals(1, reaped.size());
    assertEquals(stuck, reaped.getFirst().thread);
  }
}
