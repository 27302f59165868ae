package dev.omega.mem.api;

/**
 * Counters of one small-object size class.
 *
 * @param blockSize bytes per block in this class
 * @param slabs slabs (page runs) carved for this class
 * @param liveBlocks blocks handed out and not freed
 * @param refills batches of blocks that thread caches took from this class's slabs since start (a
 *     thread allocates from its cache and comes here only when the cache is empty)
 * @param failures allocations of this class refused
 */
public record SizeClassStatistics(
    long blockSize, long slabs, long liveBlocks, long refills, long failures) {}
