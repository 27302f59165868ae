package dev.omega.mem.monitor;

import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.SizeClassStatistics;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.MemoryMetrics;
import dev.omega.mem.monitor.AllocationSiteProfile.SiteFigures;
import dev.omega.mem.monitor.SamplingPerformanceMonitor.LeakSite;
import dev.omega.mem.spi.MonitoredSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The troubleshooting guide as code: each check looks at one symptom the OMEGA guide lists (leaks,
 * a collector that is not running, fragmentation, pool sizing, slow paths, refused allocations)
 * and, when it finds it, says in one sentence what was seen and what to change. Findings come worst
 * first: lost memory, then refused allocations, then latency, then configuration advice.
 */
final class Diagnosis {
  private final List<String> findings = new ArrayList<>();

  Diagnosis(
      MonitoredSystem system,
      PerformanceMonitorConfig monitor,
      MemoryMetrics current,
      MemoryStatistics s,
      List<LeakSite> leakSites,
      List<SiteFigures> leakingSites,
      long siteSamplingInterval,
      CollectionEvent longestCollection) {
    MemoryManagerConfig managerConfig = system.manager().config();
    // Leaks grouped by site: leak detection's tracked blocks, then the site profile's sampled ones.
    for (LeakSite leak : leakSites.subList(0, Math.min(LEAK_SITES_LISTED, leakSites.size()))) {
      add(
          "allocation site %s leaked %d block(s) (%s) that became unreachable without"
              + " deallocate: free them there, or hold them in a try-with-resources domain",
          leak.site(), leak.blocks(), MonitorReport.bytes(leak.bytes()));
    }
    for (SiteFigures site :
        leakingSites.subList(0, Math.min(LEAK_SITES_LISTED, leakingSites.size()))) {
      add(
          "allocation site %s%s: %d profiled block(s) (%s, about %d blocks in all) became"
              + " unreachable without deallocate: free them there",
          site.top(),
          site.frames().size() > 1 ? " (from " + site.frames().get(1) + ")" : "",
          site.leakedBlocks(),
          MonitorReport.bytes(site.leakedBytes()),
          site.leakedBlocks() * siteSamplingInterval);
    }
    SizeClassStatistics worstClass = null;
    for (SizeClassStatistics c : s.sizeClasses()) {
      if (c.failures() > 0 && (worstClass == null || c.failures() > worstClass.failures())) {
        worstClass = c;
      }
    }
    if (worstClass != null) {
      add(
          "size class %d B refused %d allocation(s), the most of any class: raise pool_size, or"
              + " lower thread_cache_blocks so idle threads hold fewer blocks",
          worstClass.blockSize(), worstClass.failures());
    }
    if (s.totalFailures() > 0) {
      add(
          "%d allocation(s) were refused (%s): see pool_size, critical_reserve and the domains'"
              + " quotas",
          s.totalFailures(),
          s.failures().entrySet().stream()
              .filter(e -> e.getValue() > 0)
              .map(e -> e.getKey().name().toLowerCase(Locale.ROOT) + " " + e.getValue())
              .toList());
    }
    if (longestCollection != null
        && longestCollection.pauseNanos()
            > monitor.performanceThresholds().gcPauseTime().toNanos()) {
      add(
          "the longest collection paused mutators for %s (%s, generation %d, cause %s, %d objects"
              + " freed), above gc_pause_time %s: lower max_pause_time or use"
              + " collection_strategy = incremental",
          SamplingPerformanceMonitor.nanos(longestCollection.pauseNanos()),
          longestCollection.collector(),
          longestCollection.generation(),
          longestCollection.cause().name().toLowerCase(Locale.ROOT),
          longestCollection.objectsFreed(),
          SamplingPerformanceMonitor.nanos(
              monitor.performanceThresholds().gcPauseTime().toNanos()));
    }
    long allocationLimit = monitor.performanceThresholds().allocationTime().toNanos();
    if (SamplingPerformanceMonitor.p99Above(current.allocationLatency(), allocationLimit)) {
      add(
          "p99 allocation latency %s is above allocation_time %s: most slow allocations are"
              + " thread-cache misses or page runs; raise thread_cache_blocks or block_size",
          SamplingPerformanceMonitor.nanos(current.allocationLatency().p99Nanos()),
          SamplingPerformanceMonitor.nanos(allocationLimit));
    }
    if (!system.manager().pools().isEmpty()) {
      MemoryPool pool = system.manager().pools().get(0);
      double limit = pool.config().maxFragmentationThreshold();
      if (current.fragmentation() > limit) {
        add(
            "fragmentation %.3f is above max_fragmentation_threshold %.3f; %s",
            current.fragmentation(),
            limit,
            pool.config().enableCompaction()
                ? "compaction runs only when an allocation fails: call compact() at a quiet point"
                    + " or use allocation_strategy = random"
                : "enable_compaction is off: turn it on or call compact() at a quiet point");
      }
    }
    if (s.capacityBytes() > 0 && (double) s.peakBytes() / s.capacityBytes() > 0.9) {
      add(
          "peak usage reached %.0f%% of pool_size (%s): raise pool_size to at least %s",
          100.0 * s.peakBytes() / s.capacityBytes(),
          MonitorReport.bytes(s.capacityBytes()),
          MonitorReport.bytes((long) (s.peakBytes() * 1.5)));
    }
    long small = s.threadCacheHits() + s.threadCacheMisses();
    if (small >= 10_000 && s.threadCacheHitRate() < 0.5) {
      add(
          "only %.0f%% of %d small allocations were served by thread caches: raise"
              + " thread_cache_blocks (now %d)",
          100 * s.threadCacheHitRate(), small, managerConfig.threadCacheBlocks());
    }
    if (system.heap().isPresent()) {
      ManagedHeap heap = system.heap().get();
      if (heap.objectCount() > 0 && !heap.collector().isCollectionCycleRunning()) {
        add(
            "the collector's background cycle is not running while %d objects are on the heap:"
                + " call garbageCollector().startCollectionCycle(), or collection happens only"
                + " when an allocation fails",
            heap.objectCount());
      }
    }
    if (managerConfig.leakDetection() == LeakDetectionLevel.DISABLED) {
      add(
          "leak detection is off (leak_detection = DISABLED): leaks would go unseen; set"
              + " leak_detection = SAMPLED in production (about one block in %d tracked)",
          managerConfig.leakSamplingInterval());
    } else if (!monitor.enableMemoryLeakDetection()) {
      add(
          "the monitor does not look for leaks (enable_memory_leak_detection = false): call"
              + " detectLeaks() yourself or turn it on");
    }
  }

  /** Leaking sites named, per source of leak figures. */
  static final int LEAK_SITES_LISTED = 5;

  private void add(String format, Object... args) {
    findings.add(String.format(Locale.ROOT, format, args));
  }

  List<String> findings() {
    return List.copyOf(findings);
  }
}
