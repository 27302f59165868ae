package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A snapshot of a {@link MemoryManager}. Counters are read without stopping allocators, so under
 * load two counters may be a few operations apart; each is exact on its own at the time it was
 * read.
 *
 * @param requestedBytes bytes callers asked for, of live blocks
 * @param allocatedBytes bytes handed out for live blocks (usable sizes; at least {@code requested})
 * @param freeBytes bytes still free in the pools
 * @param peakBytes highest {@code allocatedBytes} seen
 * @param capacityBytes total pool capacity
 * @param fallbackBytes bytes currently held in fallback segments
 * @param liveBlocks blocks handed out and not freed
 * @param allocations successful allocations since start
 * @param deallocations successful frees since start
 * @param fragmentation fragmentation of the pools' free pages
 * @param threadCacheHits allocations served by a thread cache with no shared-state access
 * @param threadCacheMisses allocations that had to refill from a shared slab
 * @param sizeClasses one entry per small-object size class, smallest first
 * @param failures refused allocations by cause
 */
public record MemoryStatistics(
    long requestedBytes,
    long allocatedBytes,
    long freeBytes,
    long peakBytes,
    long capacityBytes,
    long fallbackBytes,
    long liveBlocks,
    long allocations,
    long deallocations,
    double fragmentation,
    long threadCacheHits,
    long threadCacheMisses,
    List<SizeClassStatistics> sizeClasses,
    Map<AllocationFailure, Long> failures) {

  public MemoryStatistics {
    sizeClasses = List.copyOf(sizeClasses);
    failures = Map.copyOf(failures);
  }

  /** Share of small allocations served from a thread cache, 0 to 1 (0 when none were made). */
  public double threadCacheHitRate() {
    long total = threadCacheHits + threadCacheMisses;
    return total == 0 ? 0 : (double) threadCacheHits / total;
  }

  /** Bytes lost to rounding up to size classes and pages, over live blocks. */
  public long internalFragmentationBytes() {
    return allocatedBytes - requestedBytes;
  }

  /**
   * These statistics as named facts, in the snake_case names the monitor's reports and the CLI's
   * JSON share: the counters, failures by cause, and the size classes that have been used.
   */
  public Map<String, Object> asFacts() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("live_blocks", liveBlocks);
    map.put("allocated_bytes", allocatedBytes);
    map.put("requested_bytes", requestedBytes);
    map.put("free_bytes", freeBytes);
    map.put("peak_bytes", peakBytes);
    map.put("capacity_bytes", capacityBytes);
    map.put("fallback_bytes", fallbackBytes);
    map.put("allocations", allocations);
    map.put("deallocations", deallocations);
    map.put("thread_cache_hit_rate", threadCacheHitRate());
    Map<String, Object> byCause = new LinkedHashMap<>();
    for (AllocationFailure cause : AllocationFailure.values()) {
      byCause.put(cause.name().toLowerCase(Locale.ROOT), failures.getOrDefault(cause, 0L));
    }
    map.put("failures", byCause);
    List<Object> classes = new ArrayList<>();
    for (SizeClassStatistics c : sizeClasses) {
      if (c.refills() > 0 || c.slabs() > 0 || c.failures() > 0) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("block_size", c.blockSize());
        row.put("slabs", c.slabs());
        row.put("live_blocks", c.liveBlocks());
        row.put("refills", c.refills());
        row.put("failures", c.failures());
        classes.add(row);
      }
    }
    map.put("size_classes", classes);
    return map;
  }

  public long totalFailures() {
    long sum = 0;
    for (long count : failures.values()) {
      sum += count;
    }
    return sum;
  }
}
