package dev.omega.mem.api.monitor;

import java.time.Instant;

/**
 * One sample of what memory is doing.
 *
 * @param timestamp when it was taken
 * @param allocatedBytes bytes handed out
 * @param freeBytes bytes free in the pools
 * @param peakBytes highest allocated bytes so far
 * @param capacityBytes pool capacity
 * @param fragmentation pool fragmentation, 0 to 1
 * @param allocationLatency sampled allocation latency
 * @param deallocationLatency sampled deallocation latency
 * @param gcPause collection pauses
 * @param poolEfficiency requested bytes over allocated bytes, 0 to 1 (1 when nothing is allocated)
 * @param threadCacheHitRate allocations served from thread caches, 0 to 1
 * @param leakSuspects blocks found leaked so far
 * @param allocationsPerSecond allocation rate since the previous sample
 */
public record MemoryMetrics(
    Instant timestamp,
    long allocatedBytes,
    long freeBytes,
    long peakBytes,
    long capacityBytes,
    double fragmentation,
    LatencySummary allocationLatency,
    LatencySummary deallocationLatency,
    LatencySummary gcPause,
    double poolEfficiency,
    double threadCacheHitRate,
    long leakSuspects,
    double allocationsPerSecond) {

  /** Allocated bytes as a fraction of capacity. */
  public double usage() {
    return capacityBytes == 0 ? 0 : (double) allocatedBytes / capacityBytes;
  }
}
