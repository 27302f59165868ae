package dev.omega.mem.pool;

/**
 * The manager's operation counters, summed over thread caches: what {@link ThreadCache} counts for
 * one thread, named, so statistics read {@code allocations()} rather than a position in an array.
 *
 * <p>Thread safety: immutable. The sums it is built from are racy reads of other threads' plain
 * fields, so a value is exact only when the manager is quiet.
 *
 * @param allocations blocks handed out
 * @param deallocations blocks freed, including leaked blocks reclaimed
 * @param requestedAllocated bytes asked for by the allocations (before rounding up)
 * @param requestedFreed bytes asked for by the blocks freed
 * @param largeAllocations allocations above the small sizes, which no thread cache can serve
 * @param misses small allocations that found their thread's stash empty and refilled it
 */
record ManagerCounters(
    long allocations,
    long deallocations,
    long requestedAllocated,
    long requestedFreed,
    long largeAllocations,
    long misses) {

  static final ManagerCounters ZERO = new ManagerCounters(0, 0, 0, 0, 0, 0);

  /** These counters plus {@code cache}'s. */
  ManagerCounters plus(ThreadCache cache) {
    return new ManagerCounters(
        allocations + cache.allocations,
        deallocations + cache.deallocations,
        requestedAllocated + cache.requestedAllocated,
        requestedFreed + cache.requestedFreed,
        largeAllocations + cache.largeAllocations,
        misses + cache.misses);
  }

  /** Blocks allocated and not yet freed. */
  long liveBlocks() {
    return allocations - deallocations;
  }

  /** Requested bytes of the blocks allocated and not yet freed. */
  long requestedLiveBytes() {
    return requestedAllocated - requestedFreed;
  }

  /** Small allocations served from a thread's stash without taking a size class's lock. */
  long cacheHits() {
    return allocations - largeAllocations - misses;
  }
}
