package dev.omega.mem.api;

/**
 * A consistent snapshot of one pool.
 *
 * @param strategy name of the allocation strategy placing runs
 * @param capacityBytes size of the region
 * @param pageSize bytes per page ({@code block_size})
 * @param totalPages pages in the region
 * @param usedPages pages handed out
 * @param freePages pages free
 * @param largestFreeRunPages longest run of contiguous free pages
 * @param freeRuns number of maximal free runs (1 when unfragmented)
 * @param liveBlocks runs handed out and not yet freed
 * @param allocations successful {@code allocateBlock} calls since start
 * @param frees successful {@code freeBlock} calls since start
 * @param failedAllocations {@code allocateBlock} calls that threw {@link OutOfMemoryException}
 * @param compactions compactions that moved something
 * @param bytesMoved bytes copied by compactions
 * @param fragmentation {@code 1 - largestFreeRun / totalFree}
 */
public record PoolStatistics(
    String strategy,
    long capacityBytes,
    long pageSize,
    long totalPages,
    long usedPages,
    long freePages,
    long largestFreeRunPages,
    long freeRuns,
    long liveBlocks,
    long allocations,
    long frees,
    long failedAllocations,
    long compactions,
    long bytesMoved,
    double fragmentation) {

  public long usedBytes() {
    return usedPages * pageSize;
  }

  public long freeBytes() {
    return freePages * pageSize;
  }

  /** Used pages as a fraction of all pages. */
  public double utilisation() {
    return totalPages == 0 ? 0 : (double) usedPages / totalPages;
  }
}
