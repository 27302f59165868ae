package dev.omega.mem.pool;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPressureListener;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.SizeClassStatistics;
import dev.omega.mem.spi.ManagerContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

/**
 * The {@link MemoryManager}: size-class slabs with thread caches over one {@link OffHeapPool}.
 *
 * <p>Design note. Three tiers, as in tcmalloc/jemalloc:
 *
 * <pre>
 *   size <= maxSmall   ThreadCache (no lock) -> SizeClass (lock per class, batch of cap/2) -> slab pages
 *   size <= pool       a page run of its own (pool lock)
 *   size >  pool       fallback segment (only when fallback_enabled, within fallback_limit)
 * </pre>
 *
 * A slab is a run of pages (64 KiB, or at least 8 blocks; less for small pools) cut into equal
 * blocks. Blocks are {@link Block} handles (24 bytes on the Java heap, 4 bytes of free-stack per
 * block, no off-heap metadata). When a request cannot be served the manager walks the fallback
 * chain: flush thread caches (this thread's, dead threads', and ask live threads to flush), run the
 * collector, compact when fragmentation is the reason, retry, then the fallback segment; only then
 * it throws {@link OutOfMemoryException} with the figures. Non-CRITICAL page claims must leave
 * {@code critical_reserve} of the pool free.
 *
 * <p>The common path: a thread finds its cache in a table indexed by thread id (not {@code
 * ThreadLocal}, a hash lookup), pops a {@code long} entry naming slab id and block index (no
 * reference store, so no GC write barrier on a free), and looks the slab up in {@link SlabIds}. A
 * free is one CAS on the handle (so of two racing frees exactly one wins) and a push on the freeing
 * thread's limbo; the limbo goes to the stash after a grace period ({@link AccessGuard}, {@link
 * ThreadCache}), so no access through a freed handle reaches the block's next owner. Large blocks
 * and fallback segments wait for a grace period in their free. A thread that dies leaves its cache
 * and limbo behind; the slow paths (a refill, statistics, the out-of-memory chain) give them back.
 *
 * <p>Compaction is safe while other threads use blocks ({@link OffHeapPool}'s note), so the manager
 * runs it on its own when {@code enable_compaction} is on and an allocation failed for
 * fragmentation.
 *
 * <p>Thread safety: thread-safe. Hot paths take no lock and allocate only the returned handle; a
 * free by a thread other than the allocating one also allocates the node that queues it.
 */
final class OffHeapMemoryManager implements MemoryManager {
  private final MemoryManagerConfig config;
  private final OffHeapPool pool;
  private final BooleanSupplier collector;
  private final SmallBlocks small;

  /**
   * {@code small.classes.maxSmall} and {@code small.classes.classOf}, held here so the allocation
   * path reaches its class in two dependent loads fewer.
   */
  private final int maxSmall;

  private final byte[] classOf;

  private final long reservePages;
  private final long maxRequest;

  private final ThreadCaches caches;
  private final OutOfMemoryChain outOfMemory;
  private final IntegrityCheck integrity;
  private final LeakTracker leaks;
  private final List<AllocationListener> listeners = new CopyOnWriteArrayList<>();
  private volatile AllocationListener[] listenerArray = new AllocationListener[0];
  private final PressureTracker pressure;
  private final Map<String, Domain> domains = new ConcurrentHashMap<>();

  private final AtomicLongArray failures = new AtomicLongArray(AllocationFailure.values().length);
  private final LargeBlocks large;

  private final List<LeakReport> leakReports = new CopyOnWriteArrayList<>();

  private volatile boolean closed;

  OffHeapMemoryManager(ManagerContext context) {
    this.config = context.manager();
    this.pool = new OffHeapPool(context.pool(), context.strategy());
    this.pool.initialize();
    this.pool.observeCompactions(
        (moved, nanos) -> {
          for (AllocationListener observer : listenerArray) {
            observer.onCompaction(moved, nanos);
          }
        });
    this.collector = context.collector();
    this.pressure = new PressureTracker(pool, config.pressureLevels());
    this.reservePages = (long) Math.ceil(pool.totalPages() * config.criticalReserveFraction());
    this.small = new SmallBlocks(pool, this, pressure, reservePages, config.threadCacheBlocks());
    this.maxSmall = small.classes.maxSmall;
    this.classOf = small.classes.classOf;
    this.maxRequest =
        config.fallbackEnabled()
            ? Math.max(pool.capacityBytes(), config.fallbackLimit())
            : pool.capacityBytes();
    this.large =
        new LargeBlocks(
            pool, this, pressure, reservePages, config.fallbackEnabled(), config.fallbackLimit());
    this.leaks = config.leakDetection() == LeakDetectionLevel.DISABLED ? null : new LeakTracker();
    this.caches = new ThreadCaches(small);
    this.integrity = new IntegrityCheck(pool, small, caches);
    this.outOfMemory =
        new OutOfMemoryChain(
            pool, collector, small, caches, reservePages, config.fallbackEnabled());
  }

  // ---------------------------------------------------------------- allocation

  /** The calling thread's cache. */
  ThreadCache cache() {
    return caches.cache();
  }

  @Override
  public MemoryBlock allocate(long size, Priority priority) {
    return allocate(size, priority, null);
  }

  DomainBlock allocateForDomain(long size, Priority priority, Domain domain) {
    return (DomainBlock) allocate(size, priority, domain);
  }

  private Block allocate(long size, Priority priority, Domain domain) {
    Objects.requireNonNull(priority, "priority is null");
    if (size <= 0 || size > maxRequest) {
      throw new IllegalArgumentException(
          "size must be between 1 and "
              + maxRequest
              + " bytes ("
              + (config.fallbackEnabled() ? "the pool or the fallback limit" : "the pool_size")
              + "), got "
              + size);
    }
    if (closed) {
      throw new IllegalStateException("memory manager is closed");
    }
    ThreadCache cache = cache();
    // One call in SAMPLING_INTERVAL is timed. The timed call runs the same inlined path as the
    // others and only reports out of line. The earlier shape (a countdown store per call and a
    // separate timed path returning the block) cost every call about 3 ns, 8 %, with any listener
    // present in the monitoring-overhead benchmark; the two causes were not measured apart.
    long started = 0;
    if (listenerArray.length != 0 && isSampled(cache.allocations)) {
      started = System.nanoTime() | 1;
    }
    Block block = allocateIn(cache, size, priority, domain);
    if (started != 0) {
      allocationSampled(size, started);
    }
    return block;
  }

  /**
   * Whether the call after {@code count} earlier ones is timed. It reads the counter the path
   * updates anyway rather than keeping a countdown, which was one more store per call. A thread's
   * first call is never timed: it builds the thread's cache, and one such cold call dominated the
   * p99 of short runs.
   */
  private static boolean isSampled(long count) {
    return (count & (AllocationListener.SAMPLING_INTERVAL - 1))
        == AllocationListener.SAMPLING_INTERVAL - 1;
  }

  private void allocationSampled(long size, long started) {
    long nanos = System.nanoTime() - started;
    for (AllocationListener observer : listenerArray) {
      observer.onAllocation(size, nanos);
    }
  }

  private Block allocateIn(ThreadCache cache, long size, Priority priority, Domain domain) {
    if (cache.attention) {
      small.serveRequests(cache);
    }
    if (size > maxSmall) {
      return allocateLarge(cache, size, priority, domain, false);
    }
    int c = SizeClasses.classOf(classOf, size);
    long entry = small.pop(cache, c);
    if (entry < 0) {
      caches.countMiss(cache);
      entry = refill(cache, c, size, priority);
      if (entry < 0) {
        return allocateLarge(cache, size, priority, domain, true);
      }
    }
    Slab slab = small.slabOf(entry);
    cache.cachedBytes -= slab.stride; // refill counted the one it hands out too
    int slack = (int) (slab.stride - size);
    Block block = newBlock(cache, slab, SlabIds.indexOf(entry), slack, domain);
    cache.allocations++;
    cache.requestedAllocated += size;
    return block;
  }

  /**
   * The handle for a new block: a {@link DomainBlock} for a domain, a {@link TrackedBlock} (and its
   * leak record) when leak detection picks this allocation, else a plain {@link Block}. Domain
   * blocks are not tracked: a domain lists its own live blocks.
   */
  private Block newBlock(ThreadCache cache, Region region, int index, int slack, Domain domain) {
    if (domain != null) {
      return new DomainBlock(region, index, slack, domain);
    }
    if (leaks != null && tracksNext(cache)) {
      TrackedBlock tracked = new TrackedBlock(region, index, slack);
      leaks.track(tracked, null);
      return tracked;
    }
    return new Block(region, index, slack);
  }

  /**
   * A block of class {@code c} from the slabs, as a {@link SlabIds} entry, walking the
   * out-of-memory chain between attempts; -1 when the chain is exhausted.
   */
  private long refill(ThreadCache cache, int c, long size, Priority priority) {
    for (int attempt = 0; ; attempt++) {
      long entry = small.refill(cache, c, priority);
      if (entry >= 0) {
        return entry;
      }
      if (!outOfMemory.step(cache, attempt, small.blockSize(c), size, priority)) {
        return -1;
      }
    }
  }

  private Block allocateLarge(
      ThreadCache cache, long size, Priority priority, Domain domain, boolean smallRequest) {
    long pages = pool.pagesFor(size);
    Region region = null;
    if (pages > 0) {
      for (int attempt = 0; ; attempt++) {
        region = large.claimRun(pages, priority);
        if (region != null
            || smallRequest
            || !outOfMemory.step(cache, attempt, pages * pool.pageSize(), size, priority)) {
          break;
        }
      }
    }
    if (region == null) {
      region = large.fallbackSegment(size);
      if (region == null) {
        throw refuse(size, priority);
      }
    }
    // Below one page (1 MiB at most) for a page run, 0 for a fallback segment.
    int slack = (int) (region.stride - size);
    Block block = newBlock(cache, region, 0, slack, domain);
    large.handedOut(region);
    if (!smallRequest) {
      cache.largeAllocations++;
    }
    cache.allocations++;
    cache.requestedAllocated += size;
    return block;
  }

  /** Records why a request is refused, then builds the exception that says so. */
  private OutOfMemoryException refuse(long size, Priority priority) {
    AllocationFailure cause = outOfMemory.causeOf(size, priority);
    recordFailure(size, priority, cause);
    return outOfMemory.refusal(size, priority, cause);
  }

  void recordFailure(long size, Priority priority, AllocationFailure cause) {
    failures.incrementAndGet(cause.ordinal());
    for (AllocationListener observer : listenerArray) {
      observer.onFailure(size, priority, cause);
    }
  }

  /** Whether leak detection follows this thread's next allocation: every one, or one in N. */
  private boolean tracksNext(ThreadCache cache) {
    if (config.leakDetection() == LeakDetectionLevel.SAMPLED && --cache.leakCountdown > 0) {
      return false;
    }
    cache.leakCountdown = config.leakSamplingInterval();
    return true;
  }

  /** Usable size a request of {@code size} gets. */
  long usableSize(long size) {
    if (size > 0 && size <= small.classes.maxSmall) {
      return small.blockSize(small.classes.classOf(size));
    }
    long pages = pool.pagesFor(size);
    return pages > 0 ? pages * pool.pageSize() : size;
  }

  // ---------------------------------------------------------------- free

  @Override
  public boolean deallocate(MemoryBlock block) {
    Objects.requireNonNull(block, "block is null");
    if (!(block instanceof Block b) || b.region.owner != this) {
      AuditLog.violation("foreign_free", "manager=" + System.identityHashCode(this));
      throw new AccessViolationException("block does not belong to this memory manager: " + block);
    }
    if (b.domain() != null) {
      AuditLog.violation("cross_domain_free", "domain=" + b.domain().name());
      throw new AccessViolationException(
          "block belongs to domain " + b.domain().name() + "; free it through that domain");
    }
    free(b);
    return true;
  }

  void free(Block b) {
    if (!b.markFreed()) {
      AuditLog.violation("double_free", "size=" + b.size());
      throw new DoubleFreeException("block of " + b.size() + " bytes was already freed");
    }
    if (leaks != null) {
      leaks.untrack(b);
    }
    ThreadCache cache = cache();
    if (cache.attention) {
      small.serveRequests(cache);
    }
    long started = 0;
    if (listenerArray.length != 0 && isSampled(cache.deallocations)) {
      started = System.nanoTime() | 1;
    }
    long requested = b.requestedSize();
    count(cache, requested);
    if (b.region instanceof Slab slab) {
      small.park(cache, slab, b.index);
    } else {
      large.release(b.region);
    }
    if (started != 0) {
      deallocationSampled(requested, started);
    }
  }

  /** Reports a timed free, out of line like {@link #allocationSampled}. */
  private void deallocationSampled(long size, long started) {
    long nanos = System.nanoTime() - started;
    for (AllocationListener observer : listenerArray) {
      observer.onDeallocation(size, nanos);
    }
  }

  /** Counts a free in {@code cache}'s counters. */
  private static void count(ThreadCache cache, long requested) {
    cache.deallocations++;
    cache.requestedFreed += requested;
  }

  // ---------------------------------------------------------------- leaks, domains, listeners

  @Override
  public List<LeakReport> detectLeaks() {
    if (leaks == null) {
      return List.of();
    }
    List<LeakReport> found = new ArrayList<>();
    for (LeakTracker.Tracked t : leaks.poll()) {
      boolean reclaim = config.reclaimLeaks() && !closed;
      if (reclaim) {
        ThreadCache cache = cache();
        if (t.region instanceof Slab slab) {
          small.returnToSlab(slab, t.index);
        } else {
          large.release(t.region);
        }
        cache.deallocations++;
        cache.requestedFreed += t.requested;
      }
      LeakReport report = new LeakReport(t.size, t.site, t.domain, reclaim);
      AuditLog.violation("leak", "size=" + t.size + " site=" + t.site + " reclaimed=" + reclaim);
      leakReports.add(report);
      found.add(report);
      for (AllocationListener observer : listenerArray) {
        observer.onLeak(report);
      }
    }
    return found;
  }

  @Override
  public MemoryDomain createDomain(DomainConfig domainConfig) {
    Objects.requireNonNull(domainConfig, "config is null");
    Domain domain = new Domain(this, domainConfig, System::nanoTime);
    if (domains.putIfAbsent(domainConfig.name(), domain) != null) {
      throw new IllegalArgumentException("a domain named " + domainConfig.name() + " exists");
    }
    AuditLog.info("domain_created", "domain=" + domainConfig.name());
    return domain;
  }

  void removeDomain(Domain domain) {
    domains.remove(domain.name(), domain);
  }

  @Override
  public void addPressureListener(MemoryPressureListener listener) {
    pressure.add(listener);
  }

  @Override
  public void removePressureListener(MemoryPressureListener listener) {
    pressure.remove(listener);
  }

  @Override
  public synchronized void addAllocationListener(AllocationListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener is null"));
    listenerArray = listeners.toArray(new AllocationListener[0]);
  }

  @Override
  public synchronized void removeAllocationListener(AllocationListener listener) {
    listeners.remove(listener);
    listenerArray = listeners.toArray(new AllocationListener[0]);
  }

  // ---------------------------------------------------------------- figures

  @Override
  public long getMemoryUsage() {
    // The blocks out of slabs, less those parked free in caches and limbos: no lock and no walk
    // over slabs, where getStatistics() counts per class. Racy like the counters, so exact when
    // the manager is quiet. Caches of threads that died are given back first.
    caches.flushDeadCaches();
    long bytes = large.liveBytes() + small.outstandingBytes() - caches.parkedBytes(null);
    return Math.max(0, bytes);
  }

  /** Usable bytes handed out: the live small blocks {@code live} per class, and the large ones. */
  private long allocatedBytes(long[] live) {
    return large.liveBytes() + small.bytesOf(live);
  }

  @Override
  public MemoryStatistics getStatistics() {
    caches.flushDeadCaches();
    ManagerCounters counters = caches.counters();
    long[] live = small.liveBlocks(caches.all());
    long allocated = allocatedBytes(live);
    List<SizeClassStatistics> perClass = small.statistics(live);
    Map<AllocationFailure, Long> byCause = new EnumMap<>(AllocationFailure.class);
    for (AllocationFailure cause : AllocationFailure.values()) {
      byCause.put(cause, failures.get(cause.ordinal()));
    }
    // Peak is the pool's high-water mark of pages held (slabs included), which is what bounds
    // memory; tracking the exact byte peak would put a shared counter on the hot path.
    long peak = Math.max(allocated, pool.peakUsedPages() * pool.pageSize());
    return new MemoryStatistics(
        counters.requestedLiveBytes(),
        allocated,
        (pool.totalPages() - pool.usedPages()) * pool.pageSize(),
        peak,
        pool.capacityBytes(),
        large.fallbackBytes(),
        counters.liveBlocks(),
        counters.allocations(),
        counters.deallocations(),
        pool.getFragmentationRatio(),
        counters.cacheHits(),
        counters.misses(),
        perClass,
        byCause);
  }

  @Override
  public boolean runGarbageCollector() {
    boolean ran = collector.getAsBoolean();
    if (ran) {
      AuditLog.info("forced_collection", "cause=explicit");
    }
    return ran;
  }

  @Override
  public List<MemoryPool> pools() {
    return List.of(pool);
  }

  OffHeapPool pool() {
    return pool;
  }

  @Override
  public MemoryManagerConfig config() {
    return config;
  }

  /**
   * Checks that slabs, caches and the pool agree; returns problems. Call with no allocation in
   * flight (the invariant checker runs between tests).
   */
  @Override
  public List<String> verifyIntegrity() {
    List<String> problems = integrity.run();
    long usage = getMemoryUsage();
    long live = allocatedBytes(small.liveBlocks(caches.all()));
    if (usage != live) {
      problems.add(
          "memory usage " + usage + " differs from the " + live + " bytes the slabs account for");
    }
    return problems;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    MemoryStatistics stats = getStatistics();
    if (stats.liveBlocks() > 0) {
      AuditLog.info(
          "manager_closed_with_live_blocks",
          "blocks=" + stats.liveBlocks() + " bytes=" + stats.allocatedBytes());
      if (leaks != null) {
        for (LeakReport report : leaks.outstanding()) {
          AuditLog.info(
              "still_allocated", "size=" + report.size() + " site=" + report.allocationSite());
        }
      }
    }
    pool.close();
    large.close();
  }
}
