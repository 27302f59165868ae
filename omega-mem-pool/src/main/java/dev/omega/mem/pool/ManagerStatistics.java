package dev.omega.mem.pool;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.SizeClassStatistics;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The manager's figures: its memory usage and its {@link MemoryStatistics}, read from the tiers,
 * the caches and the listeners' failure counts.
 *
 * <p>Design note. Nothing here is counted on the hot path beyond what a thread counts in its own
 * cache. Memory usage is the bytes out of slabs (a running count per class) plus the large blocks,
 * less what caches and limbos park: no lock and no walk over slabs. Statistics count live small
 * blocks from the slabs instead ({@link SmallBlocks#liveBlocks}), class by class under each class's
 * lock. Both read other threads' fields racily, so they are exact when the manager is quiet, and
 * both give back the caches of threads that died first, so their blocks count as free.
 *
 * <p>Thread safety: thread-safe; it holds no state of its own.
 */
final class ManagerStatistics {
  private final OffHeapPool pool;
  private final SmallBlocks small;
  private final LargeBlocks large;
  private final ThreadCaches caches;
  private final AllocationListeners listeners;

  ManagerStatistics(
      OffHeapPool pool,
      SmallBlocks small,
      LargeBlocks large,
      ThreadCaches caches,
      AllocationListeners listeners) {
    this.pool = Objects.requireNonNull(pool, "pool is null");
    this.small = Objects.requireNonNull(small, "small is null");
    this.large = Objects.requireNonNull(large, "large is null");
    this.caches = Objects.requireNonNull(caches, "caches is null");
    this.listeners = Objects.requireNonNull(listeners, "listeners is null");
  }

  /** Usable bytes the program holds, from the running counts ({@code getMemoryUsage()}). */
  long memoryUsage() {
    caches.flushDeadCaches();
    long bytes = large.liveBytes() + small.outstandingBytes() - caches.parkedBytes(null);
    return Math.max(0, bytes);
  }

  /** Usable bytes the program holds, counted from the slabs rather than the running counts. */
  long liveBytes() {
    return allocatedBytes(small.liveBlocks(caches.all()));
  }

  /** Usable bytes handed out: the live small blocks {@code live} per class, and the large ones. */
  private long allocatedBytes(long[] live) {
    return large.liveBytes() + small.bytesOf(live);
  }

  MemoryStatistics snapshot() {
    caches.flushDeadCaches();
    ManagerCounters counters = caches.counters();
    long[] live = small.liveBlocks(caches.all());
    long allocated = allocatedBytes(live);
    List<SizeClassStatistics> perClass = small.statistics(live);
    Map<AllocationFailure, Long> byCause = listeners.failuresByCause();
    // Peak is the pool's high-water mark of pages held (slabs included), which is what bounds
    // memory; tracking the exact byte peak would put a shared counter on the hot path.
    long peak = Math.max(allocated, pool.peakUsedPages() * pool.pageSize());
    return new MemoryStatistics(
        counters.requestedLiveBytes(),
        allocated,
        (pool.totalPages() - pool.usedPages()) * pool.pageSize(),
        peak,
        pool.capacityBytes(),
        large.fallbackBytes(),
        counters.liveBlocks(),
        counters.allocations(),
        counters.deallocations(),
        pool.getFragmentationRatio(),
        counters.cacheHits(),
        counters.misses(),
        perClass,
        byCause);
  }
}
