package dev.omega.mem.monitor;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPressureListener;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.PerformanceThresholds;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.AlertListener;
import dev.omega.mem.api.monitor.AlertType;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import dev.omega.mem.api.monitor.PerformanceAlert;
import dev.omega.mem.api.monitor.PerformanceAlert.Severity;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.api.monitor.PerformanceReport;
import dev.omega.mem.spi.MonitoredSystem;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The built-in {@link PerformanceMonitor}: a sampler thread that reads the manager's counters every
 * {@code metrics_collection_interval}, plus listeners that see sampled latencies, leaks, pressure
 * and collections as they happen.
 *
 * <p>Cost: while stopped, no listener is registered, so the manager's hot path times nothing and
 * calls nothing (the manager skips timing when it has no listener). While running, the manager
 * times about one call in {@value AllocationListener#SAMPLING_INTERVAL} per thread and this class
 * adds one atomic increment per timed call ({@link LatencyHistogram}) and, for one in {@value
 * AllocationSiteProfile#DEFAULT_ONE_IN} of the timed allocations, a stack walk and two cache
 * updates for the {@link AllocationSiteProfile}; each free of a timed block is one cache lookup.
 * Everything else happens on the sampler thread.
 *
 * <p>Windows: each history sample describes the interval since the previous sample (latency
 * percentiles, allocation rate, longest pause). {@link #getMemoryMetrics()} describes everything
 * since monitoring started, so that a caller who polls gets stable percentiles.
 *
 * <p>Alerts: latency, pause and fragmentation alerts are raised when a window crosses its limit and
 * not again until a window comes back under it, so a slow period gives one alert, not one per
 * sample. Leaks and failures alert whenever their count grew in the window. Pressure alerts are
 * raised for each rising crossing the manager reports. Alert listeners run on the sampler thread.
 *
 * <p>History file: read at construction (only the newest {@code history_size} samples are kept; a
 * corrupt file is moved aside and monitoring starts empty), and written whole, atomically, every
 * {@link #DEFAULT_HISTORY_FLUSH_PERIOD} of samples, at stop, and from a JVM shutdown hook that is
 * registered while monitoring, so that SIGTERM loses at most what the last period gathered.
 *
 * <p>Thread safety: listener callbacks may come from any thread; the sampler's own state is
 * confined to {@link #tick()}, which is serialised. History writes are serialised by {@code
 * historyWriteLock}, taken after, never while holding, the history's own lock.
 */
final class SamplingPerformanceMonitor implements PerformanceMonitor {
  private final PerformanceMonitorConfig config;
  private final MonitoredSystem system;
  private final Clock clock;
  private final LatencyHistogram allocationLatency = new LatencyHistogram();
  private final LatencyHistogram deallocationLatency = new LatencyHistogram();
  private final LatencyHistogram gcPauses = new LatencyHistogram();
  private final AtomicLong windowMaxPause = new AtomicLong();
  private final AtomicReference<CollectionEvent> longestCollection = new AtomicReference<>();
  private final LongAdder leaksSeen = new LongAdder();
  private final Map<String, long[]> leakSites = new ConcurrentHashMap<>();
  private final AllocationSiteProfile siteProfile;
  private final ConcurrentLinkedQueue<double[]> pendingPressure = new ConcurrentLinkedQueue<>();
  private final List<AlertListener> alertListeners = new CopyOnWriteArrayList<>();
  private final ArrayDeque<MemoryMetrics> history = new ArrayDeque<>();
  private final ArrayDeque<PerformanceAlert> alerts = new ArrayDeque<>();
  private final Set<AlertType> raised = EnumSet.noneOf(AlertType.class);
  private final Observer observer = new Observer();
  private final Object tickLock = new Object();
  private final Object historyWriteLock = new Object();
  private final Thread shutdownWriter = new Thread(this::persistHistory, "omega-monitor-history");
  private final int samplesPerFlush;
  private int samplesSinceFlush;
  private final MemoryManager manager;
  private final Optional<GarbageCollector> collector;

  private ScheduledExecutorService sampler;
  private long[] startAllocationSnapshot;
  private long[] startDeallocationSnapshot;
  private long[] startPauseSnapshot;
  private long[] lastAllocationSnapshot;
  private long[] lastDeallocationSnapshot;
  private long[] lastPauseSnapshot;
  private long lastAllocations;
  private long lastTickNanos;
  private long lastLeaks;
  private long lastFailures;
  private boolean closed;

  /** How much sampling the history file may miss after a crash: it is rewritten this often. */
  static final Duration DEFAULT_HISTORY_FLUSH_PERIOD = Duration.ofMinutes(1);

  SamplingPerformanceMonitor(PerformanceMonitorConfig config, MonitoredSystem system, Clock clock) {
    this(config, system, clock, DEFAULT_HISTORY_FLUSH_PERIOD);
  }

  /** {@code historyFlushPeriod}: time of sampling between writes of the history file. */
  SamplingPerformanceMonitor(
      PerformanceMonitorConfig config,
      MonitoredSystem system,
      Clock clock,
      Duration historyFlushPeriod) {
    this(config, system, clock, historyFlushPeriod, new AllocationSiteProfile());
  }

  /** {@code siteProfile}: where the timed allocations' sites go. */
  SamplingPerformanceMonitor(
      PerformanceMonitorConfig config,
      MonitoredSystem system,
      Clock clock,
      Duration historyFlushPeriod,
      AllocationSiteProfile siteProfile) {
    this.siteProfile = Objects.requireNonNull(siteProfile, "site profile is null");
    this.config = Objects.requireNonNull(config, "config is null");
    this.system = Objects.requireNonNull(system, "system is null");
    this.clock = clock;
    this.manager = system.manager();
    this.collector = system.heap().map(ManagedHeap::collector);
    this.samplesPerFlush =
        Math.clamp(
            historyFlushPeriod.toNanos() / config.metricsCollectionInterval().toNanos(),
            1,
            Integer.MAX_VALUE);
    if (config.historyFile() != null) {
      history.addAll(HistoryFile.load(config.historyFile(), config.historySize()));
    }
    resetWindows();
  }

  private void resetWindows() {
    startAllocationSnapshot = allocationLatency.snapshot();
    startDeallocationSnapshot = deallocationLatency.snapshot();
    startPauseSnapshot = gcPauses.snapshot();
    lastAllocationSnapshot = startAllocationSnapshot;
    lastDeallocationSnapshot = startDeallocationSnapshot;
    lastPauseSnapshot = startPauseSnapshot;
    MemoryStatistics s = manager.getStatistics();
    lastAllocations = s.allocations();
    lastFailures = s.totalFailures();
    lastLeaks = leaksSeen.sum();
    lastTickNanos = System.nanoTime();
  }

  @Override
  public synchronized boolean startMonitoring() {
    checkOpen();
    if (sampler != null) {
      return false;
    }
    synchronized (tickLock) {
      resetWindows();
    }
    manager.addAllocationListener(observer);
    manager.addPressureListener(observer);
    collector.ifPresent(c -> c.addCollectionListener(observer));
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "omega-monitor-sampler");
              t.setDaemon(true);
              return t;
            });
    long period = config.metricsCollectionInterval().toNanos();
    sampler.scheduleAtFixedRate(this::safeTick, period, period, TimeUnit.NANOSECONDS);
    if (config.historyFile() != null) {
      Runtime.getRuntime().addShutdownHook(shutdownWriter);
    }
    return true;
  }

  @Override
  public synchronized boolean stopMonitoring() {
    if (sampler == null) {
      return false;
    }
    sampler.shutdownNow();
    try {
      sampler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sampler = null;
    manager.removeAllocationListener(observer);
    manager.removePressureListener(observer);
    collector.ifPresent(c -> c.removeCollectionListener(observer));
    if (config.historyFile() != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownWriter);
      } catch (IllegalStateException e) {
        // The JVM is shutting down: the hook runs anyway and writes the same history.
      }
    }
    persistHistory();
    return true;
  }

  @Override
  public synchronized boolean isMonitoring() {
    return sampler != null;
  }

  private void safeTick() {
    try {
      tick();
    } catch (RuntimeException e) {
      // A sampler that dies silently would stop all alerts; log and keep sampling.
      System.getLogger("omega.monitor")
          .log(System.Logger.Level.WARNING, "monitor sample failed; sampling goes on", e);
    }
  }

  /** Takes one history sample and raises the alerts it shows. The sampler thread calls this. */
  MemoryMetrics tick() {
    MemoryMetrics sample;
    boolean flushDue;
    synchronized (tickLock) {
      if (config.enableMemoryLeakDetection()) {
        manager.detectLeaks();
      }
      long[] alloc = allocationLatency.snapshot();
      long[] dealloc = deallocationLatency.snapshot();
      long[] pause = gcPauses.snapshot();
      long now = System.nanoTime();
      MemoryStatistics s = manager.getStatistics();
      double rate = (s.allocations() - lastAllocations) * 1e9 / Math.max(1, now - lastTickNanos);
      sample =
          metrics(
              s,
              LatencyHistogram.summarize(lastAllocationSnapshot, alloc),
              LatencyHistogram.summarize(lastDeallocationSnapshot, dealloc),
              LatencyHistogram.summarize(lastPauseSnapshot, pause),
              rate);
      long maxPause = windowMaxPause.getAndSet(0);
      lastAllocationSnapshot = alloc;
      lastDeallocationSnapshot = dealloc;
      lastPauseSnapshot = pause;
      lastAllocations = s.allocations();
      lastTickNanos = now;
      synchronized (history) {
        append(history, sample, config.historySize());
      }
      checkThresholds(sample, s, maxPause);
      flushDue = config.historyFile() != null && ++samplesSinceFlush >= samplesPerFlush;
      if (flushDue) {
        samplesSinceFlush = 0;
      }
    }
    if (flushDue) {
      persistHistory();
    }
    return sample;
  }

  private MemoryMetrics metrics(
      MemoryStatistics s,
      LatencySummary alloc,
      LatencySummary dealloc,
      LatencySummary pauses,
      double rate) {
    return new MemoryMetrics(
        Instant.now(clock),
        s.allocatedBytes(),
        s.freeBytes(),
        s.peakBytes(),
        s.capacityBytes(),
        s.fragmentation(),
        alloc,
        dealloc,
        pauses,
        s.allocatedBytes() == 0 ? 1.0 : (double) s.requestedBytes() / s.allocatedBytes(),
        s.threadCacheHitRate(),
        leaksSeen.sum(),
        rate);
  }

  /**
   * Fewest timed calls a p99 is judged on. Below 100 the p99 is the largest sample, and one
   * JIT-compiling or page-faulting call is enough to raise a latency alert on a healthy system.
   */
  static final int MIN_SAMPLES_FOR_P99 = 100;

  /** Whether {@code latency}'s p99 is above {@code limitNanos}, judged on enough samples. */
  static boolean p99Above(LatencySummary latency, long limitNanos) {
    return latency.samples() >= MIN_SAMPLES_FOR_P99 && latency.p99Nanos() > limitNanos;
  }

  private void checkThresholds(MemoryMetrics m, MemoryStatistics s, long maxPause) {
    PerformanceThresholds t = config.performanceThresholds();
    edge(
        AlertType.ALLOCATION_LATENCY,
        p99Above(m.allocationLatency(), t.allocationTime().toNanos()),
        m.allocationLatency().p99Nanos(),
        t.allocationTime().toNanos(),
        "p99 allocation latency %s is above allocation_time %s (%d sampled calls)",
        nanos(m.allocationLatency().p99Nanos()),
        nanos(t.allocationTime().toNanos()),
        m.allocationLatency().samples());
    edge(
        AlertType.DEALLOCATION_LATENCY,
        p99Above(m.deallocationLatency(), t.deallocationTime().toNanos()),
        m.deallocationLatency().p99Nanos(),
        t.deallocationTime().toNanos(),
        "p99 deallocation latency %s is above deallocation_time %s (%d sampled calls)",
        nanos(m.deallocationLatency().p99Nanos()),
        nanos(t.deallocationTime().toNanos()),
        m.deallocationLatency().samples());
    if (maxPause > t.gcPauseTime().toNanos()) {
      raise(
          AlertType.GC_PAUSE,
          maxPause > 4 * t.gcPauseTime().toNanos() ? Severity.CRITICAL : Severity.WARNING,
          maxPause,
          t.gcPauseTime().toNanos(),
          "a collection paused mutators for %s, above gc_pause_time %s",
          nanos(maxPause),
          nanos(t.gcPauseTime().toNanos()));
    }
    double fragmentationLimit = fragmentationLimit();
    edge(
        AlertType.FRAGMENTATION,
        m.fragmentation() > fragmentationLimit,
        m.fragmentation(),
        fragmentationLimit,
        "pool fragmentation %.3f is above max_fragmentation_threshold %.3f",
        m.fragmentation(),
        fragmentationLimit);
    long leaks = m.leakSuspects();
    if (leaks > lastLeaks) {
      raise(
          AlertType.MEMORY_LEAK,
          Severity.WARNING,
          leaks - lastLeaks,
          0,
          "%d block(s) leaked since the last sample; worst site: %s",
          leaks - lastLeaks,
          worstLeakSite().map(LeakSite::site).orElse("unknown"));
      lastLeaks = leaks;
    }
    long failures = s.totalFailures();
    if (failures > lastFailures) {
      raise(
          AlertType.ALLOCATION_FAILURE,
          Severity.WARNING,
          failures - lastFailures,
          0,
          "%d allocation(s) refused since the last sample; totals by cause: %s",
          failures - lastFailures,
          nonZero(s.failures()));
      lastFailures = failures;
    }
    for (double[] p = pendingPressure.poll(); p != null; p = pendingPressure.poll()) {
      raise(
          AlertType.MEMORY_PRESSURE,
          p[1] > 0.95 ? Severity.CRITICAL : Severity.WARNING,
          p[1],
          p[0],
          "usage %.1f%% crossed the pressure level %.0f%%",
          p[1] * 100,
          p[0] * 100);
    }
  }

  private double fragmentationLimit() {
    List<MemoryPool> pools = manager.pools();
    return pools.isEmpty() ? 1.0 : pools.get(0).config().maxFragmentationThreshold();
  }

  private static Map<AllocationFailure, Long> nonZero(Map<AllocationFailure, Long> failures) {
    Map<AllocationFailure, Long> result = new java.util.EnumMap<>(AllocationFailure.class);
    failures.forEach(
        (cause, count) -> {
          if (count > 0) {
            result.put(cause, count);
          }
        });
    return result;
  }

  private void edge(
      AlertType type, boolean over, double value, double threshold, String format, Object... args) {
    if (!over) {
      raised.remove(type);
      return;
    }
    if (raised.add(type)) {
      raise(
          type,
          value > 4 * threshold ? Severity.CRITICAL : Severity.WARNING,
          value,
          threshold,
          format,
          args);
    }
  }

  private void raise(
      AlertType type,
      Severity severity,
      double value,
      double threshold,
      String format,
      Object... args) {
    PerformanceAlert alert =
        new PerformanceAlert(
            Instant.now(clock),
            type,
            severity,
            String.format(Locale.ROOT, format, args),
            value,
            threshold);
    synchronized (alerts) {
      append(alerts, alert, config.historySize());
    }
    for (AlertListener listener : alertListeners) {
      try {
        listener.onAlert(alert);
      } catch (RuntimeException e) {
        System.getLogger("omega.monitor")
            .log(System.Logger.Level.WARNING, "alert listener " + listener + " threw", e);
      }
    }
  }

  private static <T> void append(ArrayDeque<T> deque, T value, int limit) {
    deque.addLast(value);
    while (deque.size() > limit) {
      deque.removeFirst();
    }
  }

  @Override
  public MemoryMetrics getMemoryMetrics() {
    checkOpen();
    return metricsSinceStart(manager.getStatistics());
  }

  /** Figures since monitoring started, built on {@code s} so a report's parts agree. */
  private MemoryMetrics metricsSinceStart(MemoryStatistics s) {
    long[] alloc = allocationLatency.snapshot();
    long[] dealloc = deallocationLatency.snapshot();
    long[] pause = gcPauses.snapshot();
    synchronized (tickLock) {
      double rate =
          (s.allocations() - lastAllocations)
              * 1e9
              / Math.max(1, System.nanoTime() - lastTickNanos);
      return metrics(
          s,
          LatencyHistogram.summarize(startAllocationSnapshot, alloc),
          LatencyHistogram.summarize(startDeallocationSnapshot, dealloc),
          LatencyHistogram.summarize(startPauseSnapshot, pause),
          rate);
    }
  }

  @Override
  public PerformanceReport generateReport() {
    return generateReport(Integer.MAX_VALUE);
  }

  /** A report with only the {@code newest} samples and alerts, copying no more than those. */
  PerformanceReport generateReport(int newest) {
    checkOpen();
    // One read of the manager feeds both the figures and the diagnosis, so they never disagree.
    MemoryStatistics statistics = manager.getStatistics();
    MemoryMetrics current = metricsSinceStart(statistics);
    List<MemoryMetrics> samples = newest(history, newest);
    List<PerformanceAlert> alertList = newest(alerts, newest);
    List<AllocationSiteProfile.SiteFigures> leakingSites =
        siteProfile.topLeaking(TOP_SITES_IN_REPORT);
    Diagnosis diagnosis =
        new Diagnosis(
            system,
            config,
            current,
            statistics,
            leakSites(),
            leakingSites,
            siteProfile.samplingInterval(),
            longestCollection.get());
    return new MonitorReport(
        Instant.now(clock),
        current,
        samples,
        alertList,
        diagnosis.findings(),
        statistics,
        system.heap().map(h -> h.collector().getCollectionStatistics()),
        leakSites(),
        siteProfile.top(TOP_SITES_IN_REPORT),
        leakingSites,
        siteProfile.samplingInterval(),
        Optional.ofNullable(longestCollection.get()),
        manager.pools().isEmpty() ? List.of() : manager.pools().get(0).pageRuns(),
        config);
  }

  /** Allocation sites a report lists, the most live bytes first. */
  static final int TOP_SITES_IN_REPORT = 10;

  /** The profile of the sampled allocations' sites. */
  AllocationSiteProfile siteProfile() {
    return siteProfile;
  }

  List<MemoryMetrics> history() {
    return newest(history, Integer.MAX_VALUE);
  }

  /** The last {@code count} elements of {@code deque}, oldest first, copied under its lock. */
  private static <T> List<T> newest(ArrayDeque<T> deque, int count) {
    synchronized (deque) {
      int n = Math.min(deque.size(), Math.max(0, count));
      List<T> copy = new ArrayList<>(n);
      Iterator<T> newestFirst = deque.descendingIterator();
      for (int i = 0; i < n; i++) {
        copy.add(newestFirst.next());
      }
      return List.copyOf(copy.reversed());
    }
  }

  /** Leak sites, most blocks first. */
  List<LeakSite> leakSites() {
    List<LeakSite> sites = new ArrayList<>();
    leakSites.forEach((site, counts) -> sites.add(new LeakSite(site, counts[0], counts[1])));
    sites.sort((a, b) -> Long.compare(b.blocks(), a.blocks()));
    return sites;
  }

  private Optional<LeakSite> worstLeakSite() {
    List<LeakSite> sites = leakSites();
    return sites.isEmpty() ? Optional.empty() : Optional.of(sites.get(0));
  }

  @Override
  public List<PerformanceAlert> getPerformanceAlerts() {
    synchronized (alerts) {
      return List.copyOf(alerts);
    }
  }

  @Override
  public void addAlertListener(AlertListener listener) {
    alertListeners.add(Objects.requireNonNull(listener, "alert listener is null"));
  }

  @Override
  public void removeAlertListener(AlertListener listener) {
    alertListeners.remove(listener);
  }

  MonitoredSystem system() {
    return system;
  }

  PerformanceMonitorConfig config() {
    return config;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    if (!stopMonitoring()) {
      persistHistory();
    }
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this performance monitor is closed");
    }
  }

  private void persistHistory() {
    if (config.historyFile() == null) {
      return;
    }
    synchronized (historyWriteLock) {
      try {
        HistoryFile.write(config.historyFile(), history());
      } catch (UncheckedIOException e) {
        // A full disk must not stop sampling or the application's shutdown; the next write retries.
        System.getLogger("omega.monitor")
            .log(
                System.Logger.Level.WARNING, e.getMessage() + "; the history is kept in memory", e);
      }
    }
  }

  static String nanos(long nanos) {
    if (nanos >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }
    if (nanos >= 1_000_000L) {
      return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
    if (nanos >= 1_000L) {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
    }
    return nanos + " ns";
  }

  /** Blocks and bytes leaked at one allocation site. */
  record LeakSite(String site, long blocks, long bytes) {}

  /** The listeners registered while monitoring; one object so that removal is exact. */
  private final class Observer
      implements AllocationListener, MemoryPressureListener, CollectionListener {
    @Override
    public void onAllocation(long size, long nanos) {
      allocationLatency.record(nanos);
    }

    @Override
    public void onAllocation(MemoryBlock block, long size, long nanos) {
      allocationLatency.record(nanos);
      siteProfile.allocated(block, size);
    }

    @Override
    public void onSampledFree(MemoryBlock block, long size) {
      siteProfile.freed(block);
    }

    @Override
    public void onDeallocation(long size, long nanos) {
      deallocationLatency.record(nanos);
    }

    @Override
    public void onFailure(long size, Priority priority, AllocationFailure cause) {
      // Counted by the manager; the sampler reads the totals.
    }

    @Override
    public void onLeak(LeakReport leak) {
      leaksSeen.increment();
      leakSites.compute(
          leak.allocationSite(),
          (site, counts) -> {
            long[] c = counts == null ? new long[2] : counts;
            c[0]++;
            c[1] += leak.size();
            return c;
          });
    }

    @Override
    public void onPressure(double level, double usage, boolean rising) {
      if (rising) {
        pendingPressure.add(new double[] {level, usage});
      }
    }

    @Override
    public void onCollection(CollectionEvent event) {
      gcPauses.record(event.pauseNanos());
      windowMaxPause.accumulateAndGet(event.pauseNanos(), Math::max);
      longestCollection.accumulateAndGet(
          event, (old, now) -> old == null || now.pauseNanos() > old.pauseNanos() ? now : old);
    }
  }
}
