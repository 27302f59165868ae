package dev.omega.mem.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The background thread of a collector's {@code startCollectionCycle()}: every {@code interval} it
 * asks {@code due} and, when that says so, runs {@code collect}. The built-in collectors use it,
 * and a plugin can too.
 *
 * <p>Failures: a collection (or {@code due}) that throws, an {@link Error} included, is reported as
 * a WARNING on the {@code omega.gc} {@link System.Logger} and the thread goes on with the next
 * interval. Should the thread end anyway (it was interrupted by someone else, or reporting itself
 * failed), it clears its state on the way out, so {@link #isRunning()} turns {@code false} and
 * {@link #start()} works again.
 *
 * <p>Stopping: {@link #stop()} interrupts the thread and waits for the collection in progress at
 * most {@code stopTimeout} ({@link #DEFAULT_STOP_TIMEOUT} unless given). A collection that is still
 * running then is left to finish on its own thread, which ends without starting another one, and
 * the overrun is reported on {@code omega.gc}. So a hung collection cannot hang {@code stop()} (or
 * the close of the system that called it), and a later {@link #start()} gets a fresh thread.
 *
 * <p>Thread safety: thread-safe; {@link #start()} and the state change of {@link #stop()} are
 * serialised on this object, and {@code stop()} waits for the thread outside that lock. Each thread
 * runs only while it is the current one, so a thread left behind by a timed-out stop never runs a
 * second collection.
 */
public final class BackgroundCollection {
  /** How long {@link #stop()} waits for a collection in progress unless told otherwise. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);

  private static final System.Logger LOG = System.getLogger("omega.gc");

  private final String threadName;
  private final long intervalMillis;
  private final long stopTimeoutMillis;
  private final BooleanSupplier due;
  private final Runnable collect;
  private volatile Thread thread;

  /**
   * @param threadName the daemon thread's name
   * @param interval time between checks, at least 1 ms
   * @param due whether to collect now (typically: occupancy past {@code collection_threshold})
   * @param collect one background collection
   */
  public BackgroundCollection(
      String threadName, Duration interval, BooleanSupplier due, Runnable collect) {
    this(threadName, interval, due, collect, DEFAULT_STOP_TIMEOUT);
  }

  /**
   * @param stopTimeout how long {@link #stop()} waits for a collection in progress, at least 1 ms
   */
  public BackgroundCollection(
      String threadName,
      Duration interval,
      BooleanSupplier due,
      Runnable collect,
      Duration stopTimeout) {
    this.threadName = Objects.requireNonNull(threadName, "threadName is null");
    this.intervalMillis =
        Math.max(1, Objects.requireNonNull(interval, "interval is null").toMillis());
    this.due = Objects.requireNonNull(due, "due is null");
    this.collect = Objects.requireNonNull(collect, "collect is null");
    Objects.requireNonNull(stopTimeout, "stopTimeout is null");
    if (stopTimeout.isNegative() || stopTimeout.isZero()) {
      throw new IllegalArgumentException(
          "stopTimeout: " + stopTimeout + " (expected: a positive duration such as 5s)");
    }
    this.stopTimeoutMillis = Math.max(1, stopTimeout.toMillis());
  }

  /** Starts the thread; {@code false} if it was already running. */
  public synchronized boolean start() {
    if (thread != null) {
      return false;
    }
    Thread started = Thread.ofPlatform().daemon().name(threadName).unstarted(this::loop);
    thread = started;
    started.start();
    return true;
  }

  private void loop() {
    Thread self = Thread.currentThread();
    try {
      while (thread == self) {
        try {
          if (due.getAsBoolean() && thread == self) {
            collect.run();
          }
        } catch (RuntimeException | Error e) {
          LOG.log(
              System.Logger.Level.WARNING,
              "background collection on " + threadName + " failed; the thread goes on",
              e);
        }
        try {
          Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    } finally {
      synchronized (this) {
        if (thread == self) {
          thread = null; // ended on its own: let start() run a new thread
        }
      }
    }
  }

  /**
   * Stops the thread and waits for the collection in progress, at most the stop timeout; {@code
   * false} if it was not running. Called from the collection thread itself, it does not wait.
   */
  public boolean stop() {
    Thread stopping;
    synchronized (this) {
      stopping = thread;
      if (stopping == null) {
        return false;
      }
      thread = null;
    }
    stopping.interrupt();
    if (stopping == Thread.currentThread()) {
      return true;
    }
    try {
      stopping.join(stopTimeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopping.isAlive()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "background collection on "
              + threadName
              + " did not finish within "
              + stopTimeoutMillis
              + " ms of stop(); it is left to end on its own and will not collect again");
    }
    return true;
  }

  public boolean isRunning() {
    return thread != null;
  }
}
