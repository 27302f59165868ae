package dev.omega.mem.monitor;

import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.PageRun;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import dev.omega.mem.api.monitor.PerformanceAlert;
import dev.omega.mem.api.monitor.PerformanceReport;
import dev.omega.mem.json.JsonWriter;
import dev.omega.mem.monitor.AllocationSiteProfile.SiteFigures;
import dev.omega.mem.monitor.SamplingPerformanceMonitor.LeakSite;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A report: the figures of one moment, the history behind them, the alerts and the bottlenecks
 * found. One map ({@link #toMap}) feeds the JSON form, the HTML page and the dashboard's API, so
 * the three never disagree. The HTML page is the dashboard's own page with the data embedded and
 * polling off, so a saved report looks like the live view did.
 */
record MonitorReport(
    Instant generatedAt,
    MemoryMetrics current,
    List<MemoryMetrics> history,
    List<PerformanceAlert> alerts,
    List<String> bottlenecks,
    MemoryStatistics statistics,
    Optional<CollectionStatistics> collection,
    List<LeakSite> leakSites,
    List<SiteFigures> allocationSites,
    List<SiteFigures> leakingAllocationSites,
    long siteSamplingInterval,
    Optional<CollectionEvent> longestCollection,
    List<PageRun> pageRuns,
    PerformanceMonitorConfig config)
    implements PerformanceReport {

  MonitorReport {
    history = List.copyOf(history);
    alerts = List.copyOf(alerts);
    bottlenecks = List.copyOf(bottlenecks);
    leakSites = List.copyOf(leakSites);
    allocationSites = List.copyOf(allocationSites);
    leakingAllocationSites = List.copyOf(leakingAllocationSites);
    pageRuns = List.copyOf(pageRuns);
  }

  @Override
  public String toJson() {
    return JsonWriter.compact(toMap(Integer.MAX_VALUE));
  }

  /** The report as nested maps and lists, with at most {@code historyLimit} recent samples. */
  Map<String, Object> toMap(int historyLimit) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("generated_at", generatedAt.toString());
    map.put("current", metrics(current));
    List<Object> samples = new ArrayList<>();
    for (MemoryMetrics m :
        history.subList(Math.max(0, history.size() - historyLimit), history.size())) {
      samples.add(metrics(m));
    }
    map.put("history", samples);
    List<Object> alertList = new ArrayList<>();
    for (PerformanceAlert a : alerts) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("timestamp", a.timestamp().toString());
      row.put("type", a.type().name());
      row.put("severity", a.severity().name());
      row.put("message", a.message());
      row.put("value", a.value());
      row.put("threshold", a.threshold());
      alertList.add(row);
    }
    map.put("alerts", alertList);
    map.put("bottlenecks", bottlenecks);
    map.put("manager", statistics.asFacts());
    collection.ifPresent(c -> map.put("collector", collector(c)));
    List<Object> sites = new ArrayList<>();
    for (LeakSite site : leakSites) {
      sites.add(Map.of("site", site.site(), "blocks", site.blocks(), "bytes", site.bytes()));
    }
    map.put("leak_sites", sites);
    map.put("allocation_sites", allocationSites(allocationSites, siteSamplingInterval));
    map.put(
        "leaking_allocation_sites", allocationSites(leakingAllocationSites, siteSamplingInterval));
    map.put("page_map", pageMap());
    Map<String, Object> thresholds = new LinkedHashMap<>();
    thresholds.put("allocation_time_ns", config.performanceThresholds().allocationTime().toNanos());
    thresholds.put(
        "deallocation_time_ns", config.performanceThresholds().deallocationTime().toNanos());
    thresholds.put("gc_pause_time_ns", config.performanceThresholds().gcPauseTime().toNanos());
    thresholds.put("interval_ms", config.metricsCollectionInterval().toMillis());
    map.put("thresholds", thresholds);
    return map;
  }

  /**
   * The profile's sites as the JSON lists them: figures of profiled blocks, each standing for about
   * {@code sampling_interval} allocations.
   */
  static Map<String, Object> allocationSites(List<SiteFigures> sites, long samplingInterval) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("sampling_interval", samplingInterval);
    List<Object> rows = new ArrayList<>();
    for (SiteFigures f : sites) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("site", f.top());
      row.put("frames", f.frames());
      row.put("live_blocks", f.liveBlocks());
      row.put("live_bytes", f.liveBytes());
      row.put("total_blocks", f.totalBlocks());
      row.put("total_bytes", f.totalBytes());
      row.put("leaked_blocks", f.leakedBlocks());
      row.put("leaked_bytes", f.leakedBytes());
      rows.add(row);
    }
    map.put("sites", rows);
    return map;
  }

  static Map<String, Object> metrics(MemoryMetrics m) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("timestamp", m.timestamp().toString());
    map.put("allocated_bytes", m.allocatedBytes());
    map.put("free_bytes", m.freeBytes());
    map.put("peak_bytes", m.peakBytes());
    map.put("capacity_bytes", m.capacityBytes());
    map.put("usage", m.usage());
    map.put("fragmentation", m.fragmentation());
    map.put("allocation_latency", latency(m.allocationLatency()));
    map.put("deallocation_latency", latency(m.deallocationLatency()));
    map.put("gc_pause", latency(m.gcPause()));
    map.put("pool_efficiency", m.poolEfficiency());
    map.put("thread_cache_hit_rate", m.threadCacheHitRate());
    map.put("leak_suspects", m.leakSuspects());
    map.put("allocations_per_second", m.allocationsPerSecond());
    return map;
  }

  private static Map<String, Object> latency(LatencySummary l) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("samples", l.samples());
    map.put("p50_ns", l.p50Nanos());
    map.put("p90_ns", l.p90Nanos());
    map.put("p99_ns", l.p99Nanos());
    map.put("max_ns", l.maxNanos());
    return map;
  }

  private Map<String, Object> collector(CollectionStatistics c) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("name", c.collector());
    map.put("collections_per_generation", c.collectionsPerGeneration());
    map.put("objects_freed", c.objectsFreed());
    map.put("bytes_freed", c.bytesFreed());
    map.put("objects_promoted", c.objectsPromoted());
    map.put("cycles_found", c.cyclesFound());
    map.put("pause_count", c.pauses().count());
    map.put("pause_max_ns", c.pauses().maxNanos());
    map.put("pause_p99_ns", c.pauses().p99Nanos());
    longestCollection.ifPresent(
        e -> {
          Map<String, Object> longest = new LinkedHashMap<>();
          longest.put("pause_ns", e.pauseNanos());
          longest.put("generation", e.generation());
          longest.put("cause", e.cause().name());
          longest.put("objects_freed", e.objectsFreed());
          map.put("longest_collection", longest);
        });
    return map;
  }

  private Map<String, Object> pageMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    long total = 0;
    List<Object> runs = new ArrayList<>();
    for (PageRun run : pageRuns) {
      runs.add(List.of(run.firstPage(), run.pages(), run.state().name()));
      total = Math.max(total, run.firstPage() + run.pages());
    }
    map.put("total_pages", total);
    map.put("runs", runs);
    return map;
  }

  @Override
  public String toText() {
    StringBuilder out = new StringBuilder();
    line(out, "Omega Memory performance report, %s", generatedAt);
    line(out, "");
    out.append(statusText());
    for (LeakSite site : leakSites.subList(0, Math.min(5, leakSites.size()))) {
      line(
          out,
          "            %,d block(s), %s at %s",
          site.blocks(),
          bytes(site.bytes()),
          site.site());
    }
    out.append(allocationSitesText(allocationSites, siteSamplingInterval));
    line(out, "history     %d sample(s)", history.size());
    line(out, "");
    if (bottlenecks.isEmpty()) {
      line(out, "bottlenecks none found");
    } else {
      line(out, "bottlenecks, worst first:");
      for (String b : bottlenecks) {
        line(out, "  - %s", b);
      }
    }
    line(out, "");
    line(out, "alerts      %d", alerts.size());
    for (PerformanceAlert a : alerts.subList(Math.max(0, alerts.size() - 10), alerts.size())) {
      line(out, "  %s %-8s %-20s %s", a.timestamp(), a.severity(), a.type(), a.message());
    }
    return out.toString();
  }

  /** The figures of the moment, a line per part: what {@code omega memory --status} prints. */
  String statusText() {
    StringBuilder out = new StringBuilder();
    MemoryMetrics m = current;
    MemoryStatistics s = statistics;
    line(
        out,
        "memory      %s allocated of %s (%.1f%%), peak %s, free %s",
        bytes(m.allocatedBytes()),
        bytes(m.capacityBytes()),
        100 * m.usage(),
        bytes(m.peakBytes()),
        bytes(m.freeBytes()));
    line(
        out,
        "pool        fragmentation %.3f, efficiency %.1f%% (requested over allocated)",
        m.fragmentation(),
        100 * m.poolEfficiency());
    line(
        out,
        "manager     %,d allocations, %,d deallocations, %,d live blocks, thread-cache hits %.1f%%",
        s.allocations(),
        s.deallocations(),
        s.liveBlocks(),
        100 * m.threadCacheHitRate());
    line(out, "latency     allocation   %s", latencyText(m.allocationLatency()));
    line(out, "            deallocation %s", latencyText(m.deallocationLatency()));
    collection.ifPresent(
        c ->
            line(
                out,
                "collector   %s: %,d collections %s, %,d objects freed (%s), %,d promoted, %,d"
                    + " cycles; pauses %s",
                c.collector(),
                c.totalCollections(),
                c.collectionsPerGeneration(),
                c.objectsFreed(),
                bytes(c.bytesFreed()),
                c.objectsPromoted(),
                c.cyclesFound(),
                latencyText(m.gcPause())));
    line(out, "leaks       %,d suspect(s), %d alert(s)", m.leakSuspects(), alerts.size());
    return out.toString();
  }

  /** The top allocation sites, a line each, with their callers indented below. */
  static String allocationSitesText(List<SiteFigures> sites, long samplingInterval) {
    StringBuilder out = new StringBuilder();
    if (sites.isEmpty()) {
      line(out, "sites       no sampled allocations yet");
      return out.toString();
    }
    line(
        out,
        "sites       top %d allocation site(s) by live bytes, of profiled blocks (about 1"
            + " allocation in %,d):",
        sites.size(),
        samplingInterval);
    for (SiteFigures f : sites) {
      line(
          out,
          "            live %,d block(s) %s, total %,d block(s) %s%s at %s",
          f.liveBlocks(),
          bytes(f.liveBytes()),
          f.totalBlocks(),
          bytes(f.totalBytes()),
          f.leakedBlocks() > 0 ? String.format(Locale.ROOT, ", leaked %,d", f.leakedBlocks()) : "",
          f.top());
      for (String caller : f.frames().subList(1, f.frames().size())) {
        line(out, "              from %s", caller);
      }
    }
    return out.toString();
  }

  private static String latencyText(LatencySummary l) {
    if (l.samples() == 0) {
      return "no samples";
    }
    return String.format(
        Locale.ROOT,
        "p50 %s, p90 %s, p99 %s, max %s (%,d samples)",
        SamplingPerformanceMonitor.nanos(l.p50Nanos()),
        SamplingPerformanceMonitor.nanos(l.p90Nanos()),
        SamplingPerformanceMonitor.nanos(l.p99Nanos()),
        SamplingPerformanceMonitor.nanos(l.maxNanos()),
        l.samples());
  }

  private static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }

  static String bytes(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
    if (bytes >= 1L << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return bytes + " B";
  }

  @Override
  public String toHtml() {
    return page(JsonWriter.compact(toMap(Integer.MAX_VALUE)), false);
  }

  /** The dashboard page; {@code live} makes it poll the API instead of showing {@code data}. */
  static String page(String data, boolean live) {
    try (InputStream in = MonitorReport.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard.html is missing from the monitor jar");
      }
      String template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return template
          .replace("/*OMEGA_DATA*/null", data)
          .replace("/*OMEGA_LIVE*/false", Boolean.toString(live));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
