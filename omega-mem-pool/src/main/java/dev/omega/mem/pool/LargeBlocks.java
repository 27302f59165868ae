package dev.omega.mem.pool;

import dev.omega.mem.api.PageRun.PageState;
import dev.omega.mem.api.Priority;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The manager's memory for blocks above the small sizes: a page run of the pool per block, or, for
 * a request the pool cannot hold, a fallback segment of its own.
 *
 * <p>Design note. A page run is claimed from the pool as one {@link Region} with one block (index
 * 0) whose stride is the run's length. Non-CRITICAL claims leave {@code reservePages} of the pool
 * free. A fallback segment ({@link FallbackRegion}) is separate memory, allocated only when {@code
 * manager.fallback_enabled} is on and only while the bytes of all live segments stay within {@code
 * manager.fallback_limit}; the limit is reserved with a CAS loop before the memory is asked for and
 * handed back if the system refuses it, so concurrent requests never overshoot it. Freeing either
 * runs a grace period ({@link AccessGuard}) first: no access that saw the block live is still in
 * flight when the pages are reused or the segment unmapped.
 *
 * <p>This class only hands out and takes back memory; retrying after a failed claim is the
 * manager's ({@link OutOfMemoryChain}), and the block handle is made by the manager.
 *
 * <p>Thread safety: thread-safe. Claims and releases take the pool lock inside {@link OffHeapPool};
 * the byte counts are atomics and the live segments a concurrent set. The counts are read racily by
 * statistics.
 */
final class LargeBlocks {
  /** Alignment of a fallback segment, so every scalar a block holds is aligned in it. */
  private static final long FALLBACK_ALIGNMENT = 16;

  private final OffHeapPool pool;

  /** Put in each region as its owner: only the manager may free the blocks. */
  private final Object owner;

  private final PressureTracker pressure;
  private final long reservePages;
  private final boolean fallbackEnabled;
  private final long fallbackLimit;

  /** Bytes of the large blocks handed out: runs and segments. */
  private final AtomicLong liveBytes = new AtomicLong();

  /** Bytes of the live fallback segments, kept within {@link #fallbackLimit}. */
  private final AtomicLong fallbackBytes = new AtomicLong();

  /** Fallback segments in use, released at {@link #close()} like the pool's pages. */
  private final Set<FallbackRegion> liveFallbacks = ConcurrentHashMap.newKeySet();

  LargeBlocks(
      OffHeapPool pool,
      Object owner,
      PressureTracker pressure,
      long reservePages,
      boolean fallbackEnabled,
      long fallbackLimit) {
    this.pool = Objects.requireNonNull(pool, "pool is null");
    this.owner = Objects.requireNonNull(owner, "owner is null");
    this.pressure = Objects.requireNonNull(pressure, "pressure is null");
    this.reservePages = reservePages;
    this.fallbackEnabled = fallbackEnabled;
    this.fallbackLimit = fallbackLimit;
  }

  /** A run of {@code pages} for one block, or null when the pool has no such run to give. */
  Region claimRun(long pages, Priority priority) {
    Region region =
        pool.claim(
            pages,
            priority == Priority.CRITICAL ? 0 : reservePages,
            (seg, start, n, pageSize) ->
                new Region(seg, owner, n * pageSize, PageState.RUN, start, n, pageSize));
    if (region != null) {
      pressure.pagesChanged();
    }
    return region;
  }

  /** Set first by {@link #close()}; a segment made after that is given back at once. */
  private volatile boolean closed;

  /**
   * A segment of its own for {@code size} bytes; null when fallback is off, the limit would be
   * exceeded, the system refuses the memory, or the manager closed.
   */
  Region fallbackSegment(long size) {
    if (!fallbackEnabled) {
      return null;
    }
    long current;
    do {
      current = fallbackBytes.get();
      if (current + size > fallbackLimit) {
        return null;
      }
    } while (!fallbackBytes.compareAndSet(current, current + size));
    FallbackRegion region;
    try {
      // A fallback segment follows its pool: pre-touched, its commit fails here, as a refusal,
      // rather than as the system's out-of-memory handling when the program fills it.
      region =
          new FallbackRegion(
              PoolMemory.allocate(
                  size, FALLBACK_ALIGNMENT, pool.isDirect(), pool.config().preTouch()),
              owner);
    } catch (OutOfMemoryError e) {
      fallbackBytes.addAndGet(-size);
      return null;
    }
    liveFallbacks.add(region);
    if (closed) {
      // close() may have walked the set before this joined it: give the segment back here.
      liveFallbacks.remove(region);
      region.invalidate();
      region.release();
      fallbackBytes.addAndGet(-size);
      return null;
    }
    return region;
  }

  /** Counts {@code region}, from {@link #claimRun} or {@link #fallbackSegment}, as handed out. */
  void handedOut(Region region) {
    liveBytes.addAndGet(region.stride);
  }

  /** Gives a large block's pages or segment back, after a grace period. */
  void release(Region region) {
    AccessGuard.synchronize(); // no access that saw the block live is still in flight
    liveBytes.addAndGet(-region.stride);
    if (region instanceof FallbackRegion fallback) {
      fallbackBytes.addAndGet(-region.stride);
      liveFallbacks.remove(fallback);
      fallback.release();
    } else {
      pool.release(region);
      pressure.pagesChanged();
    }
  }

  /** Bytes of the large blocks handed out and not yet given back. */
  long liveBytes() {
    return liveBytes.get();
  }

  /** Bytes of the live fallback segments. */
  long fallbackBytes() {
    return fallbackBytes.get();
  }

  /**
   * Refuses every access to the live fallback segments, waits for those in flight, then gives the
   * memory back; the pool's pages are the pool's to release.
   */
  void close() {
    closed = true;
    for (FallbackRegion region : liveFallbacks) {
      region.invalidate();
    }
    AccessGuard.synchronize();
    for (FallbackRegion region : liveFallbacks) {
      region.release();
    }
    liveFallbacks.clear();
  }
}
