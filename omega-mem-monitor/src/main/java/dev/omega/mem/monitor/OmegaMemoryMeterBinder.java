package dev.omega.mem.monitor;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.SizeClassStatistics;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.spi.MonitoredSystem;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for an Omega Memory system, with dotted names whose Prometheus rendering (base
 * unit appended, {@code _total} on counters) is exactly the name the dashboard's {@code /metrics}
 * gives the same figure: {@code omega.memory.allocated}, {@code .requested}, {@code .free}, {@code
 * .peak}, {@code .capacity}, {@code .fallback} (bytes), {@code .live.blocks}, {@code
 * .fragmentation} and {@code .thread.cache.hit} (ratios), {@code omega.memory.allocations}, {@code
 * .deallocations} and {@code .failures} (counters, failures tagged by {@code cause}), {@code
 * omega.memory.size.class.live} (tagged by {@code size.class}), {@code omega.heap.objects}, the
 * collector's counters {@code omega.gc.collections} (tagged by {@code generation}), {@code
 * .objects.freed}, {@code .bytes.freed}, {@code .objects.promoted}, {@code .cycles.found}, and
 * {@code omega.gc.pause}, a {@link Timer} fed by every collection and tagged by {@code collector}
 * and {@code generation}. The README's metrics table lists each beside its Prometheus, JMX and JFR
 * name. Every meter carries the {@code pool} tag given here.
 *
 * <p>Given the performance monitor, it also binds the monitor's figures: {@code
 * omega.memory.leak.suspects} (a counter) and the sampled latencies {@code
 * omega.memory.allocation.latency} and {@code omega.memory.deallocation.latency}. Each latency is a
 * {@link FunctionTimer} (count and sum, which a Prometheus registry renders as the summary's {@code
 * _count} and {@code _sum}) and a gauge {@code .percentile} per quantile, tagged {@code phi}, in
 * seconds: Micrometer has no function-based meter with quantiles, and {@code .percentile}/{@code
 * phi} is how its own timers publish client-side percentiles. All of them read {@link
 * PerformanceMonitor#getMemoryMetrics()}, the figures since monitoring started that {@code
 * /metrics} exposes, so both give the same numbers for the same monitor state; each meter reads
 * them afresh, so the meters of one scrape are not one consistent cut while allocations go on. Once
 * the monitor is closed they keep its last figures.
 *
 * <p>Micrometer is an optional dependency of {@code omega-mem-monitor}: this class loads only if
 * the application has {@code micrometer-core}. Usage: {@code new OmegaMemoryMeterBinder(new
 * MonitoredSystem(omega.memoryManager(), Optional.of(omega.heap())), omega.monitor(),
 * "main").bindTo(registry)}. Gauges read the manager's statistics when scraped; the timer costs one
 * record per collection.
 */
public final class OmegaMemoryMeterBinder implements MeterBinder, AutoCloseable {
  private final MonitoredSystem system;
  private final Optional<PerformanceMonitor> monitor;
  private final String pool;
  private CollectionListener listener;
  private GarbageCollector listenedTo;

  /**
   * Binds the system's meters only: without a monitor there are no leak or latency figures, so
   * {@code omega.memory.leak.suspects} and the latency meters are left out.
   */
  public OmegaMemoryMeterBinder(MonitoredSystem system, String pool) {
    this(system, Optional.empty(), pool);
  }

  /** Binds the system's meters and those of its performance monitor. */
  public OmegaMemoryMeterBinder(MonitoredSystem system, PerformanceMonitor monitor, String pool) {
    this(system, Optional.of(Objects.requireNonNull(monitor, "monitor is null")), pool);
  }

  private OmegaMemoryMeterBinder(
      MonitoredSystem system, Optional<PerformanceMonitor> monitor, String pool) {
    this.system = Objects.requireNonNull(system, "system is null");
    this.monitor = monitor;
    this.pool = Objects.requireNonNull(pool, "pool tag is null");
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    MemoryManager manager = system.manager();
    Tags tags = Tags.of("pool", pool);
    gauge(
        registry,
        "omega.memory.allocated",
        "bytes",
        "Bytes handed out for live blocks",
        tags,
        manager,
        m -> m.getStatistics().allocatedBytes());
    gauge(
        registry,
        "omega.memory.requested",
        "bytes",
        "Bytes callers asked for, of live blocks",
        tags,
        manager,
        m -> m.getStatistics().requestedBytes());
    gauge(
        registry,
        "omega.memory.fallback",
        "bytes",
        "Bytes held in fallback segments",
        tags,
        manager,
        m -> m.getStatistics().fallbackBytes());
    gauge(
        registry,
        "omega.memory.thread.cache.hit",
        "ratio",
        "Small allocations served by thread caches",
        tags,
        manager,
        m -> m.getStatistics().threadCacheHitRate());
    gauge(
        registry,
        "omega.memory.free",
        "bytes",
        "Bytes free in the pools",
        tags,
        manager,
        m -> m.getStatistics().freeBytes());
    gauge(
        registry,
        "omega.memory.peak",
        "bytes",
        "Highest allocated bytes",
        tags,
        manager,
        m -> m.getStatistics().peakBytes());
    gauge(
        registry,
        "omega.memory.capacity",
        "bytes",
        "Pool capacity",
        tags,
        manager,
        m -> m.getStatistics().capacityBytes());
    gauge(
        registry,
        "omega.memory.fragmentation",
        "ratio",
        "Fragmentation of free pages",
        tags,
        manager,
        m -> m.getStatistics().fragmentation());
    gauge(
        registry,
        "omega.memory.live.blocks",
        "blocks",
        "Blocks not yet freed",
        tags,
        manager,
        m -> m.getStatistics().liveBlocks());
    FunctionCounter.builder(
            "omega.memory.allocations", manager, m -> m.getStatistics().allocations())
        .description("Successful allocations")
        .tags(tags)
        .register(registry);
    FunctionCounter.builder(
            "omega.memory.deallocations", manager, m -> m.getStatistics().deallocations())
        .description("Successful frees")
        .tags(tags)
        .register(registry);
    for (AllocationFailure cause : AllocationFailure.values()) {
      FunctionCounter.builder(
              "omega.memory.failures",
              manager,
              m -> m.getStatistics().failures().getOrDefault(cause, 0L))
          .description("Refused allocations")
          .tags(tags.and("cause", cause.name().toLowerCase(Locale.ROOT)))
          .register(registry);
    }
    for (SizeClassStatistics c : manager.getStatistics().sizeClasses()) {
      long size = c.blockSize();
      gauge(
          registry,
          "omega.memory.size.class.live",
          "blocks",
          "Live blocks of a size class",
          tags.and("size.class", Long.toString(size)),
          manager,
          m -> liveBlocks(m, size));
    }
    monitor.ifPresent(m -> bindMonitor(registry, tags, m));
    if (system.heap().isPresent() && listener == null) {
      ManagedHeap heap = system.heap().get();
      gauge(
          registry,
          "omega.heap.objects",
          "objects",
          "Objects on the managed heap",
          tags,
          heap,
          ManagedHeap::objectCount);
      GarbageCollector collector = heap.collector();
      Tags collectorTags = tags.and("collector", collector.getCollectionStatistics().collector());
      int generations = collector.getCollectionStatistics().collectionsPerGeneration().size();
      for (int g = 0; g < generations; g++) {
        int generation = g;
        FunctionCounter.builder(
                "omega.gc.collections",
                collector,
                c -> c.getCollectionStatistics().collectionsPerGeneration().get(generation))
            .description("Collections by oldest generation collected")
            .tags(collectorTags.and("generation", Integer.toString(g)))
            .register(registry);
      }
      FunctionCounter.builder(
              "omega.gc.objects.freed", collector, c -> c.getCollectionStatistics().objectsFreed())
          .description("Objects reclaimed")
          .tags(collectorTags)
          .register(registry);
      FunctionCounter.builder(
              "omega.gc.bytes.freed", collector, c -> c.getCollectionStatistics().bytesFreed())
          .description("Bytes reclaimed")
          .tags(collectorTags)
          .register(registry);
      FunctionCounter.builder(
              "omega.gc.objects.promoted",
              collector,
              c -> c.getCollectionStatistics().objectsPromoted())
          .description("Objects promoted")
          .tags(collectorTags)
          .register(registry);
      FunctionCounter.builder(
              "omega.gc.cycles.found", collector, c -> c.getCollectionStatistics().cyclesFound())
          .description("Garbage cycles found")
          .tags(collectorTags)
          .register(registry);
      listener =
          event ->
              Timer.builder("omega.gc.pause")
                  .description("Time mutators were stopped by a collection")
                  .tags(
                      tags.and("collector", event.collector())
                          .and("generation", Integer.toString(event.generation())))
                  .register(registry)
                  .record(event.pauseNanos(), TimeUnit.NANOSECONDS);
      collector.addCollectionListener(listener);
      listenedTo = collector;
    }
  }

  private static void bindMonitor(MeterRegistry registry, Tags tags, PerformanceMonitor source) {
    MonitorReading monitor = new MonitorReading(source);
    FunctionCounter.builder("omega.memory.leak.suspects", monitor, m -> m.read().leakSuspects())
        .description("Blocks found leaked since monitoring started")
        .tags(tags)
        .register(registry);
    latency(
        registry,
        "omega.memory.allocation.latency",
        "Sampled allocation latency",
        tags,
        monitor,
        MemoryMetrics::allocationLatency);
    latency(
        registry,
        "omega.memory.deallocation.latency",
        "Sampled deallocation latency",
        tags,
        monitor,
        MemoryMetrics::deallocationLatency);
  }

  private static void latency(
      MeterRegistry registry,
      String name,
      String description,
      Tags tags,
      MonitorReading monitor,
      Function<MemoryMetrics, LatencySummary> figure) {
    FunctionTimer.builder(
            name,
            monitor,
            m -> figure.apply(m.read()).samples(),
            m -> figure.apply(m.read()).totalNanos(),
            TimeUnit.NANOSECONDS)
        .description(description)
        .tags(tags)
        .register(registry);
    for (LatencyQuantile q : LatencyQuantile.values()) {
      gauge(
          registry,
          name + ".percentile",
          "seconds",
          description + ", one quantile",
          tags.and("phi", q.label()),
          monitor,
          m -> q.seconds(figure.apply(m.read())));
    }
  }

  /**
   * The monitor's figures for the meters. A closed monitor refuses to be read, and the registry
   * usually outlives it; a counter that then threw would fail the whole scrape, and one that fell
   * to zero would look like a reset, so once closed the meters keep the last figures read. The
   * first read happens when binding, so a monitor closed before that is refused there.
   *
   * <p>Thread safety: scrapes may read from any thread; the last figures are one volatile
   * reference. Of two racing reads either may be kept, so the figures kept at close may be one
   * scrape older than the newest served.
   */
  private static final class MonitorReading {
    private final PerformanceMonitor monitor;
    private volatile MemoryMetrics last;

    MonitorReading(PerformanceMonitor monitor) {
      this.monitor = monitor;
      this.last = monitor.getMemoryMetrics();
    }

    MemoryMetrics read() {
      try {
        MemoryMetrics now = monitor.getMemoryMetrics();
        last = now;
        return now;
      } catch (IllegalStateException closed) {
        return last;
      }
    }
  }

  private static double liveBlocks(MemoryManager manager, long size) {
    MemoryStatistics s = manager.getStatistics();
    for (SizeClassStatistics c : s.sizeClasses()) {
      if (c.blockSize() == size) {
        return c.liveBlocks();
      }
    }
    return 0;
  }

  private static <T> void gauge(
      MeterRegistry registry,
      String name,
      String unit,
      String description,
      Tags tags,
      T source,
      ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value)
        .description(description)
        .baseUnit(unit)
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  /** Stops feeding {@code omega.gc.pause}; the gauges stop with the registry. */
  @Override
  public synchronized void close() {
    if (listenedTo != null) {
      listenedTo.removeCollectionListener(listener);
      listenedTo = null;
      listener = null;
    }
  }
}
