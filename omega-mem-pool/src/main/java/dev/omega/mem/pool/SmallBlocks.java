package dev.omega.mem.pool;

import dev.omega.mem.api.Priority;
import dev.omega.mem.api.SizeClassStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The small-block tier: size classes carved from slabs, reached through per-thread stashes and
 * limbos ({@link ThreadCache}).
 *
 * <p>Design note. A block is named by a {@link SlabIds} entry ({@code slab id << 32 | index}) until
 * the manager wraps it in a handle. Its way round:
 *
 * <pre>
 *   allocate  stash[c] --pop--> program
 *             stash[c] empty: limbo --(grace period)--> stash, when worth it ({@link #pop})
 *             still empty: refill, class c locked: min(cacheLimit / 2, budget room) blocks
 *                          from the class's partial slabs, claiming a new slab when none is left
 *   free      program --park--> limbo of the freeing thread (no lock, no atomic)
 *             limbo full or over budget: grace period, then every block to the stash
 *             stash[c] full: flushClass, half of it back to the slabs, class c locked
 *             cache over budget: flush, everything back to the slabs
 *   slab      empty, and not its class's last partial slab: pages back to the pool
 * </pre>
 *
 * A slab is {@link #SLAB_BYTES} (less in small pools, never under a page) and holds at least {@link
 * #MIN_BLOCKS_PER_SLAB} blocks. A class's stash holds at most {@code min(thread_cache_blocks,
 * CLASS_CACHE_BYTES / block size)} blocks (fewer for bigger blocks, as jemalloc's tcache), and a
 * thread's stash, like its limbo, at most the cache budget, so many threads cannot hoard the pool
 * between them. A block in limbo waits for a grace period ({@link AccessGuard}) before anyone may
 * reuse it: no access through its freed handle is still in flight.
 *
 * <p>Thread safety: thread-safe. A cache's stash and limbo are touched by its owner only, except
 * when another thread flushes the cache of a thread that died ({@link ThreadCaches}). A size
 * class's slabs and counters are guarded by the class's monitor. Lock order: size class, then
 * {@link SlabIds}, then the pool lock (a refill claims a slab with its class locked); an emptied
 * slab's pages go back after the class lock is released. Grace periods run with no lock held.
 */
final class SmallBlocks {
  /** A slab's bytes in a pool large enough: a refill then seldom needs new pages. */
  static final long SLAB_BYTES = 64L << 10;

  /** At most this fraction of the pool per slab, so a small pool holds slabs of many classes. */
  static final long SLAB_POOL_DIVISOR = 32;

  /** The largest small block (the largest of {@link SizeClasses}); above it, page runs. */
  static final int MAX_SMALL_BYTES = 16384;

  /**
   * The largest class is at most this fraction of the pool, so that its slab ({@link
   * #MIN_BLOCKS_PER_SLAB} blocks) takes at most an eighth and small pools keep room for several
   * classes; the classes above are left to page runs.
   */
  static final long SMALL_POOL_DIVISOR = 64;

  /** Fewest blocks a slab holds, so a refill of a large class does not claim pages every time. */
  static final int MIN_BLOCKS_PER_SLAB = 8;

  /** Bytes a thread may stash of one class: fewer blocks for bigger blocks (jemalloc's tcache). */
  static final int CLASS_CACHE_BYTES = 64 << 10;

  /** Least cache budget per thread, however small the pool: caching still saves some locking. */
  static final long MIN_CACHE_BUDGET = 4096;

  /** Most bytes a thread's stash or limbo holds, however large the pool. */
  static final long MAX_CACHE_BUDGET = 1L << 20;

  /** A thread's cache budget is at most this fraction of the pool. */
  static final long CACHE_BUDGET_POOL_DIVISOR = 512;

  private final OffHeapPool pool;

  /** Put in each slab as its owner: only the manager may free the blocks. */
  private final Object owner;

  private final PressureTracker pressure;
  private final long reservePages;

  final SizeClasses classes;
  private final SizeClass[] sizeClasses;
  private final List<SizeClass> classList;

  /** Stash slots per class in every {@link ThreadCache} ({@code thread_cache_blocks}). */
  final int cacheCapacity;

  /** Most bytes one thread's cache may hold, so many threads cannot hoard the pool. */
  private final long cacheBudget;

  final SlabIds slabIds = new SlabIds();

  SmallBlocks(
      OffHeapPool pool,
      Object owner,
      PressureTracker pressure,
      long reservePages,
      int threadCacheBlocks) {
    this.pool = Objects.requireNonNull(pool, "pool is null");
    this.owner = Objects.requireNonNull(owner, "owner is null");
    this.pressure = Objects.requireNonNull(pressure, "pressure is null");
    this.reservePages = reservePages;
    long pageSize = pool.pageSize();
    long capacity = pool.capacityBytes();
    long baseSlabBytes = Math.max(pageSize, Math.min(SLAB_BYTES, capacity / SLAB_POOL_DIVISOR));
    this.classes = new SizeClasses((int) Math.min(MAX_SMALL_BYTES, capacity / SMALL_POOL_DIVISOR));
    this.sizeClasses = new SizeClass[classes.count()];
    for (int i = 0; i < sizeClasses.length; i++) {
      int size = classes.sizes[i];
      long bytes = Math.max(baseSlabBytes, (long) MIN_BLOCKS_PER_SLAB * size);
      int limit = Math.max(1, Math.min(threadCacheBlocks, CLASS_CACHE_BYTES / size));
      sizeClasses[i] = new SizeClass(i, size, (bytes + pageSize - 1) / pageSize, limit);
    }
    this.classList = List.of(sizeClasses);
    this.cacheBudget =
        Math.max(
            MIN_CACHE_BUDGET, Math.min(MAX_CACHE_BUDGET, capacity / CACHE_BUDGET_POOL_DIVISOR));
    this.cacheCapacity = threadCacheBlocks;
  }

  int classCount() {
    return sizeClasses.length;
  }

  int blockSize(int c) {
    return classes.sizes[c];
  }

  /** The size classes, for statistics and integrity checks; their monitors guard their state. */
  List<SizeClass> sizeClasses() {
    return classList;
  }

  /** The slab an entry names. */
  Slab slabOf(long entry) {
    return slabIds.get(SlabIds.idOf(entry));
  }

  // ---------------------------------------------------------------- allocation

  /**
   * Pops a block of class {@code c} from the cache's stash as a {@link SlabIds} entry; -1 when the
   * stash is empty. An empty stash first takes the limbo back when that is worth a grace period.
   */
  long pop(ThreadCache cache, int c) {
    int n = cache.count(c);
    if (n == 0 && worthRetiring(cache)) {
      retireLimbo(cache);
      n = cache.count(c);
    }
    if (n == 0) {
      return -1;
    }
    long entry = cache.entry(c * cacheCapacity + n - 1);
    cache.setCount(c, n - 1);
    return entry;
  }

  /**
   * Takes a batch of free blocks of class {@code c} into the cache and returns one more to hand
   * out, as a {@link SlabIds} entry; -1 when the slabs and the pool have none. The block handed out
   * is counted in {@code cachedBytes} like the rest; the caller takes it off.
   */
  long refill(ThreadCache cache, int c, Priority priority) {
    SizeClass sc = sizeClasses[c];
    synchronized (sc) {
      sc.refills++;
      long room = (cacheBudget - cache.cachedBytes) / sc.blockSize;
      // With caching off (capacity 0) the one block taken goes straight out; the class's
      // cache segment is then empty, so entries[0] serves as the hand-over slot.
      int want =
          cacheCapacity == 0
              ? 1
              : (int) Math.max(1, Math.min(Math.max(1, sc.cacheLimit / 2), room));
      int got = 0;
      int base = c * cacheCapacity;
      while (got < want) {
        Slab slab = sc.partial.peekFirst();
        if (slab == null) {
          slab = newSlab(sc, priority);
          if (slab == null) {
            break;
          }
          sc.list(slab);
        }
        while (got < want && slab.hasFree()) {
          cache.setEntry(base + got, SlabIds.entry(slab.id, slab.take()));
          got++;
        }
        if (!slab.hasFree()) {
          sc.unlist(slab);
        }
      }
      if (got > 0) {
        sc.outstanding += got;
        // Hand out the last one taken; the rest stay cached.
        cache.setCount(c, got - 1);
        cache.cachedBytes += (long) got * sc.blockSize;
        return cache.entry(base + got - 1);
      }
      sc.failures++;
      return -1;
    }
  }

  /** A new slab for {@code sc}, whose lock the caller holds; null when the pool has no run. */
  private Slab newSlab(SizeClass sc, Priority priority) {
    Slab slab =
        pool.claim(
            sc.slabPages,
            priority == Priority.CRITICAL ? 0 : reservePages,
            (seg, start, pages, pageSize) -> new Slab(seg, owner, sc, start, pages, pageSize));
    if (slab != null) {
      slabIds.register(slab);
      sc.slabs++;
      pressure.pagesChanged();
    }
    return slab;
  }

  // ---------------------------------------------------------------- free

  /** What other threads asked of this cache's owner: a flush. */
  void serveRequests(ThreadCache cache) {
    synchronized (cache.takeLock) {
      cache.attention = false;
      if (cache.flushRequested) {
        flush(cache);
      }
    }
  }

  /**
   * Gives the stash and limbo of a live thread that is not inside the manager back to the slabs, on
   * behalf of an allocation that would otherwise fail; false when the owner is inside the manager
   * (it answers the flush request itself when it leaves) or already answered.
   *
   * <p>Why it is safe, although a cache belongs to its owner: {@link ThreadCaches#requestFlush} set
   * {@code attention} before this runs, and an owner reads it before it touches its cache, so an
   * owner that enters after this looked goes through {@link #serveRequests} and waits for {@code
   * takeLock}; an owner that read it earlier is inside the manager, which its stack shows ({@link
   * Thread#getStackTrace()} stops the thread at a handshake to take it, so the owner's writes to
   * its cache before that point are visible here). Costly (a handshake per thread), so only the
   * out-of-memory path calls it.
   */
  boolean takeFromIdle(ThreadCache cache) {
    Thread owner = cache.owner.get();
    if (owner == null || !owner.isAlive()) {
      return false;
    }
    synchronized (cache.takeLock) {
      if (cache.retired || !cache.attention || insideManager(owner)) {
        return false;
      }
      flush(cache);
      return true;
    }
  }

  /**
   * Whether {@code thread} is inside the manager: every path that touches a cache runs below one of
   * the manager's methods, so a frame of it on the stack (inlined frames included) means inside.
   */
  private static boolean insideManager(Thread thread) {
    StackTraceElement[] frames = thread.getStackTrace();
    if (frames.length >= DEEPEST_TRACE) {
      return true; // the JVM cuts long traces short: a manager frame may be below the cut
    }
    for (StackTraceElement frame : frames) {
      if (frame.getClassName().equals(MANAGER)) {
        return true;
      }
    }
    return false;
  }

  private static final String MANAGER = OffHeapMemoryManager.class.getName();

  /** HotSpot's default {@code MaxJavaStackTraceDepth}: a trace this long may have been cut. */
  private static final int DEEPEST_TRACE = 1024;

  /**
   * Puts a freed slab block in the cache's limbo, where it waits for a grace period; a full limbo
   * is retired first.
   */
  void park(ThreadCache cache, Slab slab, int index) {
    if (cacheCapacity == 0) {
      AccessGuard.synchronize();
      returnToSlab(slab, index);
      return;
    }
    int n = cache.limboCount;
    if (n == ThreadCache.LIMBO_CAPACITY || cache.limboBytes + slab.stride > cacheBudget) {
      retireLimbo(cache);
      n = 0;
    }
    cache.setLimboEntry(n, SlabIds.entry(slab.id, index));
    cache.limboCount = n + 1;
    cache.limboBytes += slab.stride;
    cache.limboTicket = AccessGuard.ticket();
  }

  /**
   * Whether a thread whose stash of a class ran dry should take its limbo back now rather than
   * refill from the slabs: when a grace period already covers it, or when it holds enough blocks to
   * pay for moving one forward and that ended it. It never waits: a full limbo does ({@link
   * #park}).
   */
  private static boolean worthRetiring(ThreadCache cache) {
    int n = cache.limboCount;
    if (n == 0) {
      return false;
    }
    return n >= ThreadCache.LIMBO_RETIRE_BATCH
        ? AccessGuard.tryAdvance(cache.limboTicket)
        : AccessGuard.isSafe(cache.limboTicket);
  }

  /** Moves the cache's limbo into its stash once a grace period covers it (running one if not). */
  private void retireLimbo(ThreadCache cache) {
    AccessGuard.awaitSafe(cache.limboTicket);
    int n = cache.limboCount;
    cache.limboCount = 0;
    cache.limboBytes = 0;
    for (int i = 0; i < n; i++) {
      long entry = cache.limboEntry(i);
      stash(cache, slabIds.get(SlabIds.idOf(entry)), SlabIds.indexOf(entry));
    }
  }

  /** Returns the cache's limbo to the slabs once a grace period covers it (dead threads, flush). */
  private void limboToSlabs(ThreadCache cache) {
    int n = cache.limboCount;
    if (n == 0) {
      return;
    }
    AccessGuard.awaitSafe(cache.limboTicket);
    cache.limboCount = 0;
    cache.limboBytes = 0;
    for (int i = 0; i < n; i++) {
      long entry = cache.limboEntry(i);
      returnToSlab(slabIds.get(SlabIds.idOf(entry)), SlabIds.indexOf(entry));
    }
  }

  /** Puts a freed slab block in the cache, flushing first when the class or the cache is full. */
  private void stash(ThreadCache cache, Slab slab, int index) {
    int c = slab.classIndex;
    if (cacheCapacity == 0) {
      returnToSlab(slab, index);
      return;
    }
    int n = cache.count(c);
    if (n >= slab.sizeClass.cacheLimit) {
      flushClass(cache, c, Math.max(1, n / 2));
      n = cache.count(c);
    }
    if (cache.cachedBytes + slab.stride > cacheBudget) {
      flush(cache);
      n = 0;
    }
    cache.setEntry(c * cacheCapacity + n, SlabIds.entry(slab.id, index));
    cache.setCount(c, n + 1);
    cache.cachedBytes += slab.stride;
  }

  /** Puts one block back in its slab, giving the slab's pages back if it became empty. */
  void returnToSlab(Slab slab, int index) {
    boolean release;
    synchronized (slab.sizeClass) {
      release = giveBackLocked(slab.sizeClass, slab, index);
    }
    if (release) {
      releaseSlab(slab);
      pressure.pagesChanged();
    }
  }

  /** Gives an empty slab's pages back to the pool, and its id back to {@link SlabIds}. */
  private void releaseSlab(Slab slab) {
    slabIds.release(slab);
    pool.release(slab);
  }

  /**
   * Puts a block back in its slab, with {@code sc} locked. Returns true when the slab became empty
   * and is not the class's last one: the caller then returns its pages to the pool (after
   * unlocking).
   */
  private static boolean giveBackLocked(SizeClass sc, Slab slab, int index) {
    slab.give(index);
    sc.outstanding--;
    if (slab.isEmpty() && sc.partial.size() > 1) {
      sc.unlist(slab);
      sc.slabs--;
      return true;
    }
    sc.list(slab);
    return false;
  }

  /**
   * Returns the oldest {@code n} cached blocks of class {@code c} to their slabs, under one
   * acquisition of the class lock; slabs that become empty go back to the pool after it.
   */
  private void flushClass(ThreadCache cache, int c, int n) {
    int base = c * cacheCapacity;
    int count = cache.count(c);
    n = Math.min(n, count);
    SizeClass sc = sizeClasses[c];
    List<Slab> empty = null;
    synchronized (sc) {
      for (int i = 0; i < n; i++) {
        long entry = cache.entry(base + i);
        Slab slab = slabIds.get(SlabIds.idOf(entry));
        cache.cachedBytes -= slab.stride;
        if (giveBackLocked(sc, slab, SlabIds.indexOf(entry))) {
          if (empty == null) {
            empty = new ArrayList<>();
          }
          empty.add(slab);
        }
      }
    }
    if (empty != null) {
      for (Slab slab : empty) {
        releaseSlab(slab);
      }
      pressure.pagesChanged();
    }
    cache.moveEntries(base + n, base, count - n);
    cache.setCount(c, count - n);
  }

  /** Returns everything the cache holds, limbo and stash, to the slabs. */
  void flush(ThreadCache cache) {
    cache.flushRequested = false;
    limboToSlabs(cache);
    for (int c = 0; c < sizeClasses.length; c++) {
      if (cache.count(c) > 0) {
        flushClass(cache, c, cache.count(c));
      }
    }
  }

  // ---------------------------------------------------------------- figures

  /**
   * Bytes of the blocks out of slabs, whether the program holds them or a cache parks them; no
   * lock, so racy like the counters.
   */
  long outstandingBytes() {
    long bytes = 0;
    for (SizeClass sc : sizeClasses) {
      bytes += sc.outstanding * sc.blockSize;
    }
    return bytes;
  }

  /** Bytes of {@code live} blocks per class. */
  long bytesOf(long[] live) {
    long bytes = 0;
    for (SizeClass sc : sizeClasses) {
      bytes += live[sc.index] * sc.blockSize;
    }
    return bytes;
  }

  /**
   * Blocks of each size class the program holds: taken from slabs, and neither parked in a thread
   * cache nor waiting in a limbo (dead threads' included, until retired). Derived from the slabs
   * rather than counted on the hot path, where two byte counters per allocate-free pair cost about
   * 1 ns of a 24 ns churn operation. Read racily like the counters, so exact when the manager is
   * quiet; a block moving between cache and slab meanwhile can be missed or counted twice, so a
   * class never reads below zero.
   */
  long[] liveBlocks(Iterable<ThreadCache> caches) {
    long[] free = new long[sizeClasses.length];
    for (ThreadCache c : caches) {
      for (int i = 0; i < free.length; i++) {
        free[i] += c.count(i);
      }
      for (int i = 0, n = c.limboCount; i < n; i++) {
        Slab slab = slabIds.get(SlabIds.idOf(c.limboEntry(i)));
        if (slab != null) {
          free[slab.classIndex]++;
        }
      }
    }
    long[] live = new long[sizeClasses.length];
    for (SizeClass sc : sizeClasses) {
      synchronized (sc) {
        live[sc.index] = Math.max(0, outOfSlabs(sc) - free[sc.index]);
      }
    }
    return live;
  }

  /**
   * Blocks of the class's slabs that are not on a slab's free stack, counted from the slabs; the
   * caller holds the class lock. {@link SizeClass#outstanding} keeps the same number as it goes.
   */
  long outOfSlabs(SizeClass sc) {
    long free = 0;
    for (Slab slab : sc.partial) {
      free += slab.freeCount();
    }
    return sc.slabs * (sc.slabPages * pool.pageSize() / sc.blockSize) - free;
  }

  /** Each class's figures, with {@code live} blocks per class from {@link #liveBlocks}. */
  List<SizeClassStatistics> statistics(long[] live) {
    List<SizeClassStatistics> perClass = new ArrayList<>();
    for (SizeClass sc : sizeClasses) {
      synchronized (sc) {
        perClass.add(
            new SizeClassStatistics(
                sc.blockSize, sc.slabs, live[sc.index], sc.refills, sc.failures));
      }
    }
    return perClass;
  }
}
