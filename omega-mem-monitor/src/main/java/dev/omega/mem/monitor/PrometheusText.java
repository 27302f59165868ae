package dev.omega.mem.monitor;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.SizeClassStatistics;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Prometheus text exposition format (version 0.0.4) for {@code /metrics}: gauges for levels,
 * counters ({@code _total}) for events, the collector's pause histogram with cumulative {@code le}
 * buckets in seconds, and sampled latency quantiles as a summary with {@code _sum} and {@code
 * _count}. Names and meanings agree with the Micrometer binder, the MXBean and the JFR events; the
 * README's metrics table lists them side by side, and a test checks that every name in it is here.
 */
final class PrometheusText {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final StringBuilder out = new StringBuilder();

  static String write(
      MemoryStatistics s,
      MemoryMetrics m,
      Optional<CollectionStatistics> collection,
      Optional<Long> heapObjects) {
    PrometheusText p = new PrometheusText();
    p.gauge(
        "omega_memory_allocated_bytes", "Bytes handed out for live blocks.", s.allocatedBytes());
    p.gauge(
        "omega_memory_requested_bytes",
        "Bytes callers asked for, of live blocks.",
        s.requestedBytes());
    p.gauge("omega_memory_free_bytes", "Bytes free in the pools.", s.freeBytes());
    p.gauge("omega_memory_peak_bytes", "Highest allocated bytes seen.", s.peakBytes());
    p.gauge("omega_memory_capacity_bytes", "Pool capacity.", s.capacityBytes());
    p.gauge("omega_memory_fallback_bytes", "Bytes held in fallback segments.", s.fallbackBytes());
    p.gauge("omega_memory_live_blocks", "Blocks handed out and not freed.", s.liveBlocks());
    p.gauge(
        "omega_memory_fragmentation_ratio",
        "Fragmentation of free pages, 0 to 1.",
        s.fragmentation());
    p.gauge(
        "omega_memory_thread_cache_hit_ratio",
        "Small allocations served by thread caches.",
        s.threadCacheHitRate());
    p.counter(
        "omega_memory_leak_suspects_total",
        "Blocks found leaked since monitoring started.",
        m.leakSuspects());
    p.counter("omega_memory_allocations_total", "Successful allocations.", s.allocations());
    p.counter("omega_memory_deallocations_total", "Successful frees.", s.deallocations());
    p.header("omega_memory_failures_total", "Refused allocations by cause.", "counter");
    for (AllocationFailure cause : AllocationFailure.values()) {
      p.sample(
          "omega_memory_failures_total",
          "cause=\"" + cause.name().toLowerCase(Locale.ROOT) + "\"",
          s.failures().getOrDefault(cause, 0L));
    }
    p.header("omega_memory_size_class_live_blocks", "Live blocks per size class.", "gauge");
    List<SizeClassStatistics> classes = s.sizeClasses();
    for (SizeClassStatistics c : classes) {
      p.sample(
          "omega_memory_size_class_live_blocks",
          "size_class=\"" + c.blockSize() + "\"",
          c.liveBlocks());
    }
    p.summary(
        "omega_memory_allocation_latency_seconds",
        "Sampled allocation latency.",
        m.allocationLatency());
    p.summary(
        "omega_memory_deallocation_latency_seconds",
        "Sampled deallocation latency.",
        m.deallocationLatency());
    heapObjects.ifPresent(
        objects -> p.gauge("omega_heap_objects", "Objects on the managed heap.", objects));
    collection.ifPresent(c -> p.collector(c));
    return p.out.toString();
  }

  private void collector(CollectionStatistics c) {
    String collector = "collector=\"" + escape(c.collector()) + "\"";
    header("omega_gc_collections_total", "Collections by oldest generation collected.", "counter");
    for (int g = 0; g < c.collectionsPerGeneration().size(); g++) {
      sample(
          "omega_gc_collections_total",
          collector + ",generation=\"" + g + "\"",
          c.collectionsPerGeneration().get(g));
    }
    counter("omega_gc_objects_freed_total", "Objects reclaimed.", c.objectsFreed(), collector);
    counter("omega_gc_bytes_freed_total", "Bytes reclaimed.", c.bytesFreed(), collector);
    counter("omega_gc_objects_promoted_total", "Objects promoted.", c.objectsPromoted(), collector);
    counter("omega_gc_cycles_found_total", "Garbage cycles found.", c.cyclesFound(), collector);
    PauseStatistics p = c.pauses();
    header("omega_gc_pause_seconds", "Collection pauses.", "histogram");
    long cumulative = 0;
    for (int i = 0; i < p.bucketUpperBoundsNanos().size(); i++) {
      cumulative += p.bucketCounts().get(i);
      sample(
          "omega_gc_pause_seconds_bucket",
          collector + ",le=\"" + seconds(p.bucketUpperBoundsNanos().get(i)) + "\"",
          cumulative);
    }
    sample("omega_gc_pause_seconds_bucket", collector + ",le=\"+Inf\"", p.count());
    sample("omega_gc_pause_seconds_sum", collector, p.totalNanos() / 1e9);
    sample("omega_gc_pause_seconds_count", collector, p.count());
  }

  private void gauge(String name, String help, double value) {
    header(name, help, "gauge");
    sample(name, "", value);
  }

  private void counter(String name, String help, double value) {
    counter(name, help, value, "");
  }

  private void counter(String name, String help, double value, String labels) {
    header(name, help, "counter");
    sample(name, labels, value);
  }

  private void summary(String name, String help, LatencySummary l) {
    header(name, help, "summary");
    for (LatencyQuantile q : LatencyQuantile.values()) {
      sample(name, "quantile=\"" + q.label() + "\"", q.seconds(l));
    }
    sample(name + "_sum", "", l.totalNanos() / 1e9);
    sample(name + "_count", "", l.samples());
  }

  private void header(String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private void sample(String name, String labels, double value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(number(value)).append('\n');
  }

  private static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }

  private static String seconds(long nanos) {
    return Double.toString(nanos / 1e9);
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
