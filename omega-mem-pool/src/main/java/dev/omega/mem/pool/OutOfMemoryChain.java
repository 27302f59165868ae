package dev.omega.mem.pool;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * What the manager does when the pool cannot serve a request, before it gives up: the steps that
 * may free memory, and the refusal that says why none was found.
 *
 * <p>Design note. The caller retries its claim after each step that reports progress:
 *
 * <pre>
 *   step 0  flush this thread's cache, give back dead threads' caches, and ask every other live
 *           thread to flush at its next operation, waiting up to FLUSH_WAIT_NANOS for those that
 *           hold enough to serve the request; then take what the threads that did not answer and
 *           are not inside the manager hold ({@link SmallBlocks#takeFromIdle})
 *   step 1  run the collector (a failing collector is logged and counts as not run)
 *   step 2  compact, when compaction is enabled and fragmentation is why the run is missing
 *   then    the fallback segment ({@link LargeBlocks}), and only then the refusal
 * </pre>
 *
 * The refusal names one {@link AllocationFailure}: the reserve when a run is free but only for
 * CRITICAL requests, too large when the request exceeds the pool, else out of memory; its message
 * carries the pool's figures, and the bytes still parked in caches of threads that did not answer.
 *
 * <p>Thread safety: thread-safe and stateless; it runs on the allocating thread with no lock held,
 * and may block that thread for a grace period, the collector, a compaction or the flush wait.
 */
final class OutOfMemoryChain {
  /** Longest an allocation waits for other threads to flush their caches before it goes on. */
  static final long FLUSH_WAIT_NANOS = 20_000_000;

  /** Pause between two looks at whether the other threads have flushed. */
  private static final long FLUSH_POLL_NANOS = 100_000;

  private final OffHeapPool pool;
  private final BooleanSupplier collector;
  private final SmallBlocks small;
  private final ThreadCaches caches;
  private final long reservePages;
  private final boolean fallbackEnabled;

  OutOfMemoryChain(
      OffHeapPool pool,
      BooleanSupplier collector,
      SmallBlocks small,
      ThreadCaches caches,
      long reservePages,
      boolean fallbackEnabled) {
    this.pool = Objects.requireNonNull(pool, "pool is null");
    this.collector = Objects.requireNonNull(collector, "collector is null");
    this.small = Objects.requireNonNull(small, "small is null");
    this.caches = Objects.requireNonNull(caches, "caches is null");
    this.reservePages = reservePages;
    this.fallbackEnabled = fallbackEnabled;
  }

  /**
   * Runs step {@code attempt} of the chain for a request of {@code size} bytes that needs {@code
   * bytes} (its block or its run); {@code false} when the chain is exhausted.
   */
  boolean step(ThreadCache cache, int attempt, long bytes, long size, Priority priority) {
    switch (attempt) {
      case 0 -> {
        small.flush(cache);
        caches.flushDeadCaches();
        askOthersToFlush(cache, bytes);
        return true;
      }
      case 1 -> {
        boolean ran;
        try {
          ran = collector.getAsBoolean();
        } catch (RuntimeException e) {
          AuditLog.violation("collector_failed", "error", e);
          ran = false;
        }
        if (ran) {
          AuditLog.info("forced_collection", "cause", "allocation_failure", "size", size);
        }
        return true;
      }
      case 2 -> {
        long pages = pool.pagesFor(bytes);
        if (pool.config().enableCompaction() && pages > 0 && pool.shouldCompactFor(pages)) {
          pool.compact();
          return true;
        }
        return false;
      }
      default -> {
        return false;
      }
    }
  }

  /**
   * Asks every other live cache to flush at its next operation and, when they hold enough to serve
   * {@code bytes}, waits a little for them to answer: an allocation is not refused while other
   * threads that are still working hold the memory it needs.
   */
  private void askOthersToFlush(ThreadCache cache, long bytes) {
    caches.requestFlush(cache);
    long deadline = System.nanoTime() + FLUSH_WAIT_NANOS;
    while (caches.parkedBytes(cache) >= bytes && System.nanoTime() < deadline) {
      if (!caches.flushPending(cache)) {
        return;
      }
      LockSupport.parkNanos(FLUSH_POLL_NANOS);
    }
    // Threads that did not answer in time and are not inside the manager are idle: take theirs.
    if (caches.parkedBytes(cache) > 0) {
      caches.forEachOther(
          cache,
          other -> {
            if (other.cachedBytes + other.limboBytes > 0 && small.takeFromIdle(other)) {
              AuditLog.info("idle_cache_taken", "thread", other.ownerId);
            }
          });
    }
  }

  /** Why a request of {@code size} bytes is refused once the chain and the fallback failed. */
  AllocationFailure causeOf(long size, Priority priority) {
    boolean reserveOnly =
        priority != Priority.CRITICAL
            && pool.pagesFor(size) > 0
            && pool.largestFreeRun() >= pool.pagesFor(size);
    return reserveOnly
        ? AllocationFailure.RESERVE_PROTECTED
        : size > pool.capacityBytes()
            ? AllocationFailure.TOO_LARGE
            : AllocationFailure.OUT_OF_MEMORY;
  }

  /** The exception refusing a request of {@code size} bytes for {@code cause}, with the figures. */
  OutOfMemoryException refusal(long size, Priority priority, AllocationFailure cause) {
    String reason =
        switch (cause) {
          case RESERVE_PROTECTED ->
              "only the CRITICAL reserve (" + reservePages * pool.pageSize() + " bytes) is left";
          case TOO_LARGE ->
              "larger than the pool and the fallback "
                  + (fallbackEnabled ? "is full" : "is off (manager.fallback_enabled)");
          default -> "the pool is exhausted after flushing caches, collecting and compacting";
        };
    long parked = caches.parkedBytes(null);
    if (parked > 0) {
      reason +=
          "; "
              + parked
              + " bytes are parked in the caches of threads busy inside the manager that did not"
              + " answer a flush"
              + " within "
              + FLUSH_WAIT_NANOS / 1_000_000
              + " ms";
    }
    pool.lock.lock();
    try {
      return pool.outOfMemory(size, priority, reason);
    } finally {
      pool.lock.unlock();
    }
  }
}
