package dev.omega.mem.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The background thread of a collector's {@code startCollectionCycle()}: every {@code interval} it
 * asks {@code due} and, when that says so, runs {@code collect}. A collection that throws is logged
 * on {@code omega.gc} and the thread goes on; {@link #stop()} interrupts the sleep and waits for
 * the thread to finish its current collection. The built-in collectors use it, and a plugin can
 * too.
 *
 * <p>Thread safety: thread-safe; {@link #start()} and {@link #stop()} are serialised.
 */
public final class BackgroundCollection {
  private final String threadName;
  private final long intervalMillis;
  private final BooleanSupplier due;
  private final Runnable collect;
  private Thread thread;
  private volatile boolean running;

  /**
   * @param threadName the daemon thread's name
   * @param interval time between checks, at least 1 ms
   * @param due whether to collect now (typically: occupancy past {@code collection_threshold})
   * @param collect one background collection
   */
  public BackgroundCollection(
      String threadName, Duration interval, BooleanSupplier due, Runnable collect) {
    this.threadName = Objects.requireNonNull(threadName, "threadName is null");
    this.intervalMillis = Math.max(1, interval.toMillis());
    this.due = Objects.requireNonNull(due, "due is null");
    this.collect = Objects.requireNonNull(collect, "collect is null");
  }

  /** Starts the thread; {@code false} if it was already running. */
  public synchronized boolean start() {
    if (running) {
      return false;
    }
    running = true;
    thread = Thread.ofPlatform().daemon().name(threadName).start(this::loop);
    return true;
  }

  private void loop() {
    while (running) {
      try {
        if (due.getAsBoolean()) {
          collect.run();
        }
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        System.getLogger("omega.gc")
            .log(System.Logger.Level.WARNING, "background collection failed", e);
      }
    }
  }

  /** Stops the thread and waits for it; {@code false} if it was not running. */
  public synchronized boolean stop() {
    if (!running) {
      return false;
    }
    running = false;
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread = null;
    return true;
  }

  public boolean isRunning() {
    return running;
  }
}
