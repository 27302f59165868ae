package dev.omega.mem.api;

/**
 * Counters of one small-object size class.
 *
 * @param blockSize bytes per block in this class
 * @param slabs slabs (page runs) carved for this class
 * @param liveBlocks blocks handed out and not freed
 * @param allocations allocations served since start
 * @param failures allocations of this class refused
 */
public record SizeClassStatistics(
    long blockSize, long slabs, long liveBlocks, long allocations, long failures) {}
