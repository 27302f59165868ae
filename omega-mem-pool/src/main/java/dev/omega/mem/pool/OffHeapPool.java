package dev.omega.mem.pool;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.PageRun;
import dev.omega.mem.api.PageRun.PageState;
import dev.omega.mem.api.PoolStatistics;
import dev.omega.mem.api.Priority;
import dev.omega.mem.spi.AllocationStrategy;
import dev.omega.mem.spi.AllocationStrategyProvider;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One off-heap region split into pages; placement by an {@link AllocationStrategy}.
 *
 * <p>Design note. Terms: a <em>page</em> is {@code block_size} bytes; a <em>region</em> is a run of
 * pages handed out, either whole (a large block, {@link PageState#RUN}) or as a {@link Slab} of
 * small blocks ({@link PageState#SLAB}). Layout:
 *
 * <pre>
 *   memory   [ page 0 | page 1 | ... | page n-1 ]      one off-heap allocation, a {@link PoolMemory}
 *   used     startPage -> Region                        every live region, address order
 *   strategy free runs, in page numbers                  decides where a new region goes
 * </pre>
 *
 * Every page is in exactly one of: a used region, or a free run of the strategy (the invariant
 * checker verifies this). Page operations take {@link #lock}; block accesses never do.
 *
 * <p>Compaction slides used regions down in address order (O(r) regions plus the bytes copied) and
 * re-plans the strategy; blocks keep working because they address memory through their region. It
 * is safe while other threads use the pool's blocks: under the pool lock it marks every region it
 * will move {@link Region#MOVING}, runs a grace period ({@link AccessGuard#synchronize()}) so that
 * every access that read an old address has left, copies, and publishes each new address. Accesses
 * that start meanwhile wait for the move and then run on the new address, so no write is lost and
 * none lands on memory another region now holds. Freed pages, likewise, return to the strategy only
 * after a grace period, so no access through a freed handle reaches a new owner.
 *
 * <p>Thread safety: all public methods are thread-safe.
 */
final class OffHeapPool implements MemoryPool {
  private final MemoryPoolConfig config;
  private final AllocationStrategyProvider strategyProvider;
  private final long pageSize;
  private final long totalPages;
  final ReentrantLock lock = new ReentrantLock();

  private final TreeMap<Long, Region> used = new TreeMap<>();
  private final boolean direct;

  /** The pages; null before {@link #initialize()} and after {@link #close()}. */
  private PoolMemory memory;

  private AllocationStrategy strategy;
  private volatile boolean closed;

  private long usedPages;
  private long peakUsedPages;
  private long liveBlocks;
  private long allocations;
  private long frees;
  private long failedAllocations;
  private long compactions;
  private long bytesMoved;

  OffHeapPool(MemoryPoolConfig config, AllocationStrategyProvider strategyProvider) {
    this(config, strategyProvider, PoolMemory.directByDefault());
  }

  /**
   * @param direct whether to use direct memory when this JVM allows it ({@link PoolMemory}); false
   *     forces checked memory
   */
  OffHeapPool(
      MemoryPoolConfig config, AllocationStrategyProvider strategyProvider, boolean direct) {
    this.direct = direct;
    this.config = Objects.requireNonNull(config, "config is null");
    this.strategyProvider = Objects.requireNonNull(strategyProvider, "strategyProvider is null");
    this.pageSize = config.blockSize();
    this.totalPages = config.pageCount();
  }

  @Override
  public boolean initialize() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("pool is closed");
      }
      if (memory != null) {
        return false;
      }
      try {
        memory = PoolMemory.allocate(config.poolSize(), pageSize, direct, config.preTouch());
      } catch (OutOfMemoryError e) {
        throw new OutOfMemoryException(
            "cannot reserve pool_size " + config.poolSize() + " bytes: " + e.getMessage(),
            config.poolSize(),
            Priority.NORMAL,
            0,
            0,
            0);
      }
      strategy = strategyProvider.create(totalPages);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Whether this pool asked for direct memory (its fallback segments follow it). */
  boolean isDirect() {
    return direct;
  }

  long pageSize() {
    return pageSize;
  }

  long totalPages() {
    return totalPages;
  }

  long capacityBytes() {
    return totalPages * pageSize;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("pool is closed");
    }
    if (memory == null) {
      throw new IllegalStateException("pool is not initialized: call initialize() first");
    }
  }

  /** Pages needed for {@code bytes}, or -1 when more than the pool holds. */
  long pagesFor(long bytes) {
    long pages = (bytes + pageSize - 1) / pageSize;
    return pages > totalPages ? -1 : pages;
  }

  /**
   * Claims a run of pages and makes it a region with {@code factory}; null when no run is free or
   * claiming it would leave fewer than {@code reservePages} free. Caller holds no lock.
   */
  <R extends Region> R claim(long pages, long reservePages, RegionFactory<R> factory) {
    lock.lock();
    try {
      checkOpen();
      long freePages = totalPages - usedPages;
      if (freePages - pages < reservePages) {
        return null;
      }
      long start = strategy.allocate(pages);
      if (start < 0) {
        return null;
      }
      R region = factory.create(memory, start, pages, pageSize);
      used.put(start, region);
      usedPages += pages;
      peakUsedPages = Math.max(peakUsedPages, usedPages);
      return region;
    } finally {
      lock.unlock();
    }
  }

  /** Returns a region's pages. */
  void release(Region region) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      Region current = used.get(region.startPage);
      if (current != region) {
        throw new IllegalStateException("region at page " + region.startPage + " is not in use");
      }
      used.remove(region.startPage);
      strategy.free(region.startPage, region.pages);
      usedPages -= region.pages;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public MemoryBlock allocateBlock(long size) {
    if (size <= 0 || size > capacityBytes()) {
      throw new IllegalArgumentException(
          "size must be between 1 and the pool's " + capacityBytes() + " bytes, got " + size);
    }
    long pages = pagesFor(size);
    Region region = claim(pages, 0, this::newRun);
    if (region == null && config.enableCompaction() && shouldCompactFor(pages)) {
      compact();
      region = claim(pages, 0, this::newRun);
    }
    lock.lock();
    try {
      if (region == null) {
        failedAllocations++;
        throw outOfMemory(size, Priority.NORMAL, "no run of " + pages + " free pages");
      }
      allocations++;
      liveBlocks++;
    } finally {
      lock.unlock();
    }
    return new Block(region, 0, (int) (region.stride - size));
  }

  private Region newRun(PoolMemory mem, long start, long pages, long pageBytes) {
    return new Region(mem, this, pages * pageBytes, PageState.RUN, start, pages, pageBytes);
  }

  /**
   * Whether compaction would help a request of {@code pages}: enough free pages, too fragmented.
   */
  boolean shouldCompactFor(long pages) {
    lock.lock();
    try {
      long free = strategy == null ? 0 : strategy.freeUnits();
      return free >= pages
          && strategy.largestFreeRun() < pages
          && fragmentationLocked() > config.maxFragmentationThreshold();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean freeBlock(MemoryBlock block) {
    Objects.requireNonNull(block, "block is null");
    if (!(block instanceof Block b) || b.region.owner != this) {
      AuditLog.violation("foreign_free", "pool", System.identityHashCode(this));
      throw new AccessViolationException("block does not belong to this pool: " + block);
    }
    if (!b.markFreed()) {
      AuditLog.violation("double_free", "size", b.size());
      throw new DoubleFreeException("block of " + b.size() + " bytes was already freed");
    }
    AccessGuard.synchronize(); // no access that saw the block live is still in flight
    release(b.region);
    lock.lock();
    try {
      frees++;
      liveBlocks--;
    } finally {
      lock.unlock();
    }
    return true;
  }

  /**
   * Told when a compaction that has blocks to move starts (under the pool lock: it must be quick),
   * and of each compaction that moved something, after the pool lock is released, on the same
   * thread.
   */
  interface CompactionObserver {
    void starting();

    void compacted(long bytesMoved, long nanos);
  }

  private volatile CompactionObserver compactionObserver;

  void observeCompactions(CompactionObserver observer) {
    this.compactionObserver = observer;
  }

  /**
   * Pins {@code b}'s region (a whole page run) so compaction leaves it where it is, and returns its
   * bytes as a slice of the pool memory's own segment: that segment's arena keeps the memory mapped
   * while the slice is reachable (see {@link PoolMemory}).
   */
  MemorySegment pin(Block b) {
    lock.lock();
    try {
      if (b.isFreed()) {
        throw new dev.omega.mem.api.UseAfterFreeException("a freed block cannot be pinned");
      }
      Region r = b.region;
      r.pins++;
      return r.memory.segment.asSlice(
          r.address - r.memory.address + (long) b.index * r.stride, b.size());
    } finally {
      lock.unlock();
    }
  }

  void unpin(Block b) {
    lock.lock();
    try {
      if (b.region.pins == 0) {
        throw new IllegalStateException("block is not pinned");
      }
      b.region.pins--;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean compact() {
    long started = System.nanoTime();
    long moved = 0;
    lock.lock();
    try {
      if (closed || memory == null) {
        return false;
      }
      MemorySegment segment = memory.segment;
      int n = used.size();
      long[] starts = new long[n];
      long[] lengths = new long[n];
      TreeMap<Long, Region> moved2 = new TreeMap<>();
      List<Region> moving = new ArrayList<>();
      long target = 0;
      for (Region region : used.values()) {
        if (region.pins > 0) {
          target = region.startPage; // lent as a raw segment: stays, the next ones slide to it
        } else if (region.startPage != target) {
          moving.add(region);
          region.startMove();
        }
        target += region.pages;
      }
      if (moving.isEmpty()) {
        return false;
      }
      CompactionObserver starting = compactionObserver;
      if (starting != null) {
        starting.starting();
      }
      // Every access that read an old address leaves before a byte moves; new ones wait.
      try {
        AccessGuard.synchronize();
      } catch (Throwable e) {
        moving.forEach(Region::endMove); // nothing moved: the old addresses stand
        throw e;
      }
      target = 0;
      int i = 0;
      for (Region region : used.values()) {
        if (region.pins > 0) {
          target = region.startPage;
        } else if (region.startPage != target) {
          long bytes = region.pages * pageSize;
          MemorySegment.copy(
              segment, region.startPage * pageSize, segment, target * pageSize, bytes);
          region.startPage = target;
          region.address = memory.address + target * pageSize;
          region.endMove();
          moved += bytes;
        }
        moved2.put(target, region);
        starts[i] = target;
        lengths[i++] = region.pages;
        target += region.pages;
      }
      if (moved == 0) {
        return false;
      }
      used.clear();
      used.putAll(moved2);
      strategy.reset(starts, lengths, n);
      compactions++;
      bytesMoved += moved;
    } finally {
      lock.unlock();
    }
    long nanos = System.nanoTime() - started;
    AuditLog.info("compaction", "bytes_moved", moved, "nanos", nanos);
    CompactionObserver observer = compactionObserver;
    if (observer != null) {
      observer.compacted(moved, nanos);
    }
    return true;
  }

  @Override
  public double getFragmentationRatio() {
    lock.lock();
    try {
      return fragmentationLocked();
    } finally {
      lock.unlock();
    }
  }

  private double fragmentationLocked() {
    if (strategy == null || strategy.freeUnits() == 0) {
      return 0;
    }
    return 1.0 - (double) strategy.largestFreeRun() / strategy.freeUnits();
  }

  @Override
  public PoolStatistics getPoolStatistics() {
    lock.lock();
    try {
      long free = totalPages - usedPages;
      return new PoolStatistics(
          strategyProvider.name(),
          capacityBytes(),
          pageSize,
          totalPages,
          usedPages,
          free,
          strategy == null ? totalPages : strategy.largestFreeRun(),
          strategy == null ? 1 : strategy.freeRunCount(),
          liveBlocks,
          allocations,
          frees,
          failedAllocations,
          compactions,
          bytesMoved,
          fragmentationLocked());
    } finally {
      lock.unlock();
    }
  }

  long peakUsedPages() {
    lock.lock();
    try {
      return peakUsedPages;
    } finally {
      lock.unlock();
    }
  }

  long usedPages() {
    lock.lock();
    try {
      return usedPages;
    } finally {
      lock.unlock();
    }
  }

  /** Largest free run, in pages. */
  long largestFreeRun() {
    lock.lock();
    try {
      return strategy == null ? totalPages : strategy.largestFreeRun();
    } finally {
      lock.unlock();
    }
  }

  OutOfMemoryException outOfMemory(long size, Priority priority, String reason) {
    long free = (totalPages - usedPages) * pageSize;
    long largest = (strategy == null ? 0 : strategy.largestFreeRun()) * pageSize;
    double fragmentation = fragmentationLocked();
    return new OutOfMemoryException(
        "cannot allocate "
            + size
            + " bytes at "
            + priority
            + " priority: "
            + reason
            + "; free "
            + free
            + " of "
            + capacityBytes()
            + " bytes, largest free run "
            + largest
            + " bytes, fragmentation "
            + String.format("%.3f", fragmentation),
        size,
        priority,
        free,
        largest,
        fragmentation);
  }

  @Override
  public List<PageRun> pageRuns() {
    lock.lock();
    try {
      List<PageRun> runs = new ArrayList<>();
      if (strategy == null) {
        runs.add(new PageRun(0, totalPages, PageState.FREE));
        return runs;
      }
      TreeMap<Long, PageRun> all = new TreeMap<>();
      for (Map.Entry<Long, Region> e : used.entrySet()) {
        all.put(e.getKey(), new PageRun(e.getKey(), e.getValue().pages, e.getValue().kind));
      }
      strategy.forEachFreeRun(
          (start, pages) -> all.put(start, new PageRun(start, pages, PageState.FREE)));
      runs.addAll(all.values());
      return runs;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Checks that every page is in exactly one used region or free run; returns problems found. Used
   * by the invariant checker.
   */
  List<String> checkInvariants() {
    lock.lock();
    try {
      List<String> problems = new ArrayList<>();
      long expected = 0;
      long usedCount = 0;
      for (PageRun run : pageRuns()) {
        if (run.firstPage() != expected) {
          problems.add(
              "pages " + expected + ".." + run.firstPage() + " are in no run (or overlap)");
        }
        expected = run.firstPage() + run.pages();
        if (run.state() != PageState.FREE) {
          usedCount += run.pages();
        }
      }
      if (memory != null && expected != totalPages) {
        problems.add("runs end at page " + expected + ", pool has " + totalPages);
      }
      if (usedCount != usedPages) {
        problems.add("used pages counted " + usedPages + ", regions hold " + usedCount);
      }
      if (memory != null && strategy.freeUnits() != totalPages - usedPages) {
        problems.add(
            "the strategy's free lists hold "
                + strategy.freeUnits()
                + " pages but "
                + (totalPages - usedPages)
                + " are free");
      }
      return problems;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public MemoryPoolConfig config() {
    return config;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (liveBlocks > 0) {
        AuditLog.info(
            "pool_closed_with_live_blocks",
            "regions",
            used.size(),
            "pages",
            usedPages,
            "blocks",
            liveBlocks);
      }
      // Refuse every block first, let accesses in flight leave, then give the pages back.
      for (Region region : used.values()) {
        region.invalidate();
      }
      used.clear();
      AccessGuard.synchronize(); // no access is still on the memory given back next
      if (memory != null) {
        memory.release();
        memory = null;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Makes the region object for a claimed run. */
  @FunctionalInterface
  interface RegionFactory<R extends Region> {
    R create(PoolMemory memory, long startPage, long pages, long pageSize);
  }
}
