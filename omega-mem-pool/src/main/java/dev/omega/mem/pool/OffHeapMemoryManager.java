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
import dev.omega.mem.spi.ManagerContext;
import dev.omega.mem.spi.PinnedMemory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The {@link MemoryManager}: size-class slabs with thread caches over one {@link OffHeapPool}.
 *
 * <p>Design note. Three tiers, as in tcmalloc/jemalloc:
 *
 * <pre>
 *   size &lt;= maxSmall   SmallBlocks: ThreadCache (no lock) -> SizeClass (lock per class) -> slab pages
 *   size &lt;= pool       LargeBlocks: a page run of its own (pool lock)
 *   size >  pool       LargeBlocks: a fallback segment (only when fallback_enabled, within its limit)
 * </pre>
 *
 * This class is the facade over them, as Netty's allocator is over its arenas and thread caches. It
 * checks a request, finds the calling thread's cache ({@link ThreadCaches}), asks a tier for memory
 * and makes the handle: a {@link Block} (24 bytes on the Java heap), a {@link DomainBlock} or a
 * {@link TrackedBlock}. Handles are made here, in the frames the {@link LeakTracker} skips, so a
 * leak's allocation site is the caller's. When a tier has nothing, the facade walks the {@link
 * OutOfMemoryChain} between retries (flush caches, collect, compact), then tries a fallback
 * segment, and only then throws {@link OutOfMemoryException} with the figures. Non-CRITICAL page
 * claims must leave {@code critical_reserve} of the pool free. The other parts: {@link
 * PressureTracker} for pressure levels, {@link AllocationListeners} for listeners and failure
 * counts, {@link ManagerCounters} for the summed counters, {@link IntegrityCheck} for {@link
 * #verifyIntegrity()}.
 *
 * <p>The common path: a thread finds its cache in a table indexed by thread id (not {@code
 * ThreadLocal}, a hash lookup), pops a {@code long} entry naming slab id and block index (no
 * reference store, so no GC write barrier on a free), and looks the slab up in {@link SlabIds}. A
 * free is one CAS on the handle (so of two racing frees exactly one wins) and a push on the freeing
 * thread's limbo; the limbo goes to the stash after a grace period ({@link AccessGuard}, {@link
 * SmallBlocks}), so no access through a freed handle reaches the block's next owner. Large blocks
 * and fallback segments wait for a grace period in their free. A thread that dies leaves its cache
 * and limbo behind; the slow paths (a refill, statistics, the out-of-memory chain) give them back.
 *
 * <p>Compaction is safe while other threads use blocks ({@link OffHeapPool}'s note), so the manager
 * runs it on its own when {@code enable_compaction} is on and an allocation failed for
 * fragmentation.
 *
 * <p>Thread safety: thread-safe. Hot paths take no lock and allocate only the returned handle. The
 * facade holds no lock of its own; each part documents its locks, and their order is size class,
 * {@link SlabIds}, pool ({@link SmallBlocks}).
 */
final class OffHeapMemoryManager implements MemoryManager, PinnedMemory {
  private final MemoryManagerConfig config;
  private final OffHeapPool pool;
  private final BooleanSupplier collector;

  private final SmallBlocks small;
  private final LargeBlocks large;
  private final ThreadCaches caches;
  private final OutOfMemoryChain outOfMemory;
  private final PressureTracker pressure;
  private final AllocationListeners listeners = new AllocationListeners();
  private final ManagerStatistics statistics;
  private final IntegrityCheck integrity;

  /**
   * {@code small.classes.maxSmall} and {@code small.classes.classOf}, held here so the allocation
   * path reaches its class in two dependent loads fewer.
   */
  private final int maxSmall;

  private final byte[] classOf;

  private final long maxRequest;
  private final LeakTracker leaks;
  private final Map<String, Domain> domains = new ConcurrentHashMap<>();
  private volatile boolean closed;

  OffHeapMemoryManager(ManagerContext context) {
    this.config = context.manager();
    this.pool = new OffHeapPool(context.pool(), context.strategy());
    this.pool.initialize();
    this.pool.observeCompactions(
        new OffHeapPool.CompactionObserver() {
          @Override
          public void starting() {
            listeners.compactionStarting();
          }

          @Override
          public void compacted(long bytesMoved, long nanos) {
            listeners.compaction(bytesMoved, nanos);
          }
        });
    this.collector = context.collector();
    this.pressure = new PressureTracker(pool, config.pressureLevels());
    long reservePages = (long) Math.ceil(pool.totalPages() * config.criticalReserveFraction());
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
    this.outOfMemory =
        new OutOfMemoryChain(
            pool, collector, small, caches, reservePages, config.fallbackEnabled());
    this.statistics = new ManagerStatistics(pool, small, large, caches, listeners);
    this.integrity = new IntegrityCheck(pool, small, caches, statistics);
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
    if (listeners.timesNext(cache.allocations)) {
      started = System.nanoTime() | 1;
    }
    Block block = allocateIn(cache, size, priority, domain);
    if (started != 0) {
      block.markSampled();
      listeners.allocationTimed(block, size, started);
    }
    return block;
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

  /** Counts and reports a refused allocation (the manager's or a domain's). */
  void recordFailure(long size, Priority priority, AllocationFailure cause) {
    listeners.failure(size, priority, cause);
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
      AuditLog.violation("foreign_free", "manager", System.identityHashCode(this));
      throw new AccessViolationException("block does not belong to this memory manager: " + block);
    }
    if (b.domain() != null) {
      AuditLog.violation("cross_domain_free", "domain", b.domain().name());
      throw new AccessViolationException(
          "block belongs to domain " + b.domain().name() + "; free it through that domain");
    }
    free(b);
    return true;
  }

  /**
   * Lends whole page runs of this manager's pool; blocks in slabs (their pages hold other blocks)
   * and fallback segments are not lent.
   */
  @Override
  public MemorySegment pin(MemoryBlock block) {
    if (!(block instanceof Block b)
        || b.region.owner != this
        || b.region instanceof Slab
        || !b.region.inPool()) {
      return null;
    }
    return pool.pin(b);
  }

  @Override
  public void unpin(MemoryBlock block) {
    if (!(block instanceof Block b) || b.region.owner != this) {
      throw new AccessViolationException("block does not belong to this memory manager: " + block);
    }
    pool.unpin(b);
  }

  void free(Block b) {
    if (!b.markFreed()) {
      AuditLog.violation("double_free", "size", b.size());
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
    if (listeners.timesNext(cache.deallocations)) {
      started = System.nanoTime() | 1;
    }
    long requested = b.requestedSize();
    if (b.isSampled()) {
      listeners.sampledFree(b, requested);
    }
    count(cache, requested);
    if (b.region instanceof Slab slab) {
      small.park(cache, slab, b.index);
    } else {
      large.release(b.region);
    }
    if (started != 0) {
      listeners.deallocationTimed(requested, started);
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
      AuditLog.violation("leak", "size", t.size, "site", t.site, "reclaimed", reclaim);
      found.add(report);
      listeners.leak(report);
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
    AuditLog.info("domain_opened", "domain", domainConfig.name());
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
  public void addAllocationListener(AllocationListener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeAllocationListener(AllocationListener listener) {
    listeners.remove(listener);
  }

  // ---------------------------------------------------------------- figures

  @Override
  public long getMemoryUsage() {
    return statistics.memoryUsage();
  }

  @Override
  public MemoryStatistics getStatistics() {
    return statistics.snapshot();
  }

  @Override
  public boolean runGarbageCollector() {
    boolean ran = collector.getAsBoolean();
    if (ran) {
      AuditLog.info("forced_collection", "cause", "explicit");
    }
    return ran;
  }

  @Override
  public List<MemoryPool> pools() {
    return List.of(pool);
  }

  /** The thread caches, for tests. */
  ThreadCaches caches() {
    return caches;
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
    return integrity.run();
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
          "blocks",
          stats.liveBlocks(),
          "bytes",
          stats.allocatedBytes());
      if (leaks != null) {
        for (LeakReport report : leaks.outstanding()) {
          AuditLog.info("still_allocated", "size", report.size(), "site", report.allocationSite());
        }
      }
    }
    pool.close();
    large.close();
    AuditLog.flush(); // counts of suppressed lines are not lost at shutdown
  }
}
