package dev.omega.mem.pool;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.Priority;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The manager's {@link AllocationListener}s, and the count of refused allocations by cause.
 *
 * <p>Design note. The listeners are copied into an array on every change and the array published
 * through a volatile field, so the hot paths read one field and its length: with no listener,
 * monitoring costs nothing more. One allocation and one free in {@link
 * AllocationListener#SAMPLING_INTERVAL} per thread is timed ({@link #isSampled}); the timed call
 * runs the same path as the others and only reports out of line, and its block is marked so that
 * its free is reported too, whichever call that is. Failures, leaks and compactions are reported
 * every time.
 *
 * <p>Thread safety: thread-safe. Changes to the listeners lock {@code this}; readers take the
 * published array without a lock. The failure counts are atomics.
 */
final class AllocationListeners {
  private final List<AllocationListener> listeners = new ArrayList<>();

  /** {@link #listeners} as an array, replaced whole on every change; empty when none. */
  private volatile AllocationListener[] listenerArray = new AllocationListener[0];

  private final AtomicLongArray failures = new AtomicLongArray(AllocationFailure.values().length);

  synchronized void add(AllocationListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener is null"));
    listenerArray = listeners.toArray(new AllocationListener[0]);
  }

  synchronized void remove(AllocationListener listener) {
    listeners.remove(listener);
    listenerArray = listeners.toArray(new AllocationListener[0]);
  }

  /**
   * Whether the operation after {@code count} earlier ones of its kind on this thread is timed:
   * only when some listener would hear of it.
   */
  boolean timesNext(long count) {
    return listenerArray.length != 0 && isSampled(count);
  }

  /**
   * Whether the call after {@code count} earlier ones is timed. It reads the counter the path
   * updates anyway rather than keeping a countdown, which was one more store per call. A thread's
   * first call is never timed: it builds the thread's cache, and one such cold call dominated the
   * p99 of short runs.
   */
  private static boolean isSampled(long count) {
    return (count & (AllocationListener.SAMPLING_INTERVAL - 1))
        == AllocationListener.SAMPLING_INTERVAL - 1;
  }

  /**
   * Reports a timed allocation of {@code block} that began at {@code started} ({@link
   * System#nanoTime()}); the block is marked sampled, so its free is reported too.
   */
  void allocationTimed(MemoryBlock block, long size, long started) {
    long nanos = System.nanoTime() - started;
    for (AllocationListener observer : listenerArray) {
      observer.onAllocation(block, size, nanos);
    }
  }

  /**
   * Reports the free of a block whose allocation was sampled: every such free, so that listeners
   * keep live figures. A listener added after the allocation hears of a free it never saw begin.
   */
  void sampledFree(MemoryBlock block, long size) {
    for (AllocationListener observer : listenerArray) {
      observer.onSampledFree(block, size);
    }
  }

  /** Reports a timed free that began at {@code started}, out of line like an allocation. */
  void deallocationTimed(long size, long started) {
    long nanos = System.nanoTime() - started;
    for (AllocationListener observer : listenerArray) {
      observer.onDeallocation(size, nanos);
    }
  }

  /** Counts a refused allocation by its cause and reports it. */
  void failure(long size, Priority priority, AllocationFailure cause) {
    failures.incrementAndGet(cause.ordinal());
    for (AllocationListener observer : listenerArray) {
      observer.onFailure(size, priority, cause);
    }
  }

  void leak(LeakReport report) {
    for (AllocationListener observer : listenerArray) {
      observer.onLeak(report);
    }
  }

  void compactionStarting() {
    for (AllocationListener observer : listenerArray) {
      observer.onCompactionStarting();
    }
  }

  void compaction(long moved, long nanos) {
    for (AllocationListener observer : listenerArray) {
      observer.onCompaction(moved, nanos);
    }
  }

  /** Refused allocations so far, by cause (every cause present). */
  Map<AllocationFailure, Long> failuresByCause() {
    Map<AllocationFailure, Long> byCause = new EnumMap<>(AllocationFailure.class);
    for (AllocationFailure cause : AllocationFailure.values()) {
      byCause.put(cause, failures.get(cause.ordinal()));
    }
    return byCause;
  }
}
