package dev.omega.mem.pool;

import java.lang.ref.WeakReference;

/**
 * One thread's stash of free small blocks, per size class, plus that thread's counters.
 *
 * <p>Design note. The common allocation is a pop from {@code entries[c * cap, c * cap + count[c])}
 * and the common free a push: no lock, no atomic, no garbage beyond the returned handle. An entry
 * is a {@link SlabIds} entry ({@code slab id << 32 | block index}), so pushing runs no GC barrier.
 * When a class's stash is empty the thread refills half the class's limit under the class lock;
 * when it is full it flushes half back, so the shared lock is taken once per few operations of a
 * class, and a block freed by another thread simply joins that thread's stash (as in tcmalloc).
 * Hoarding is bounded: a class caches at most {@code min(thread_cache_blocks,
 * SmallBlocks.CLASS_CACHE_BYTES / block size)} blocks (as jemalloc's tcache), and a whole cache at
 * most {@link SmallBlocks#MAX_CACHE_BUDGET} bytes (less for small pools); past that budget the
 * cache is flushed. Without these limits 256 threads exhausted a 256 MiB pool holding 4 MiB of live
 * data.
 *
 * <p>Limbo. A freed block does not go straight back to the stash: another thread may still be in
 * the middle of an access through the freed handle ({@link AccessGuard}). It waits in the freeing
 * thread's limbo ({@link #limbo}, with the epoch ticket of the latest free) until a grace period
 * covers it, which the thread runs (or finds already run) when its stash of a class runs dry or its
 * limbo fills: one grace period per batch of frees. A block freed by another thread than the one
 * that allocated it simply joins the freeing thread's limbo and then its stash, as in tcmalloc; no
 * block waits for the thread that allocated it; what waits in a thread's own limbo and stash goes
 * back when the thread flushes, dies, or is found idle by an allocation that needs it.
 *
 * <p>Counters are plain fields written by the owner only; readers (statistics) sum them racily,
 * which is exact once the owner has stopped and is happens-before ordered (thread join).
 *
 * <p>False sharing. The counters and stash slots are written on every operation, by one thread
 * each, and G1 copies surviving objects of different threads next to one another: the caches of two
 * threads, or their arrays, could share a cache line and make each operation a line transfer. So
 * the object is padded front and back by 128 bytes (two lines, against the adjacent-line
 * prefetcher) through its superclasses, whose fields the JVM lays out first, and both arrays keep
 * 128 unused bytes at each end (indexes go through {@link #count(int)} and {@link #entry(int)}).
 * Two threads churning 16..1024 B ran at a median 51.6 ns per operation with iterations switching
 * between about 30 and 50 ns as young collections moved objects, against 28 ns for one thread.
 *
 * <p>Thread safety: confined to its owner thread, except another thread flushing the cache of a
 * thread that has died ({@link ThreadCaches#flushDeadCaches()}), the request flags other threads
 * set, and the racy reads of statistics.
 */
final class ThreadCache extends ThreadCacheFields {
  // Trailing padding: 16 longs after the hot fields of the superclass.
  long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

  /** Unused ints at each end of {@link #counts}: 128 bytes. */
  private static final int COUNT_PAD = 32;

  /** Unused longs at each end of {@link #entries}: 128 bytes. */
  private static final int ENTRY_PAD = 16;

  /** Most blocks a limbo holds before the thread runs a grace period for them. */
  static final int LIMBO_CAPACITY = 256;

  /**
   * Blocks in limbo that make a stash miss run a grace period and take them back, rather than
   * refill from the slabs: one grace period then serves at least this many frees.
   */
  static final int LIMBO_RETIRE_BATCH = 64;

  ThreadCache(Thread owner, int classes, int capacity) {
    super(
        new WeakReference<>(owner),
        owner.threadId(),
        new long[Math.max(1, classes * capacity) + 2 * ENTRY_PAD],
        new int[classes + 2 * COUNT_PAD],
        new long[LIMBO_CAPACITY + 2 * ENTRY_PAD]);
  }

  /** Blocks stashed for size class {@code c}. */
  int count(int c) {
    return counts[COUNT_PAD + c];
  }

  void setCount(int c, int n) {
    counts[COUNT_PAD + c] = n;
  }

  /** Stash entry {@code i} ({@code c * capacity + k} for the k-th block of class c). */
  long entry(int i) {
    return entries[ENTRY_PAD + i];
  }

  void setEntry(int i, long entry) {
    entries[ENTRY_PAD + i] = entry;
  }

  /** Limbo entry {@code i}, a {@link SlabIds} entry. */
  long limboEntry(int i) {
    return limbo[ENTRY_PAD + i];
  }

  void setLimboEntry(int i, long entry) {
    limbo[ENTRY_PAD + i] = entry;
  }

  /** Moves {@code n} stash entries from {@code from} to {@code to} (ranges may overlap). */
  void moveEntries(int from, int to, int n) {
    System.arraycopy(entries, ENTRY_PAD + from, entries, ENTRY_PAD + to, n);
  }

  boolean ownerDead() {
    Thread t = owner.get();
    return t == null || !t.isAlive();
  }
}

/** Leading padding of {@link ThreadCache}: see its note on false sharing. */
abstract class ThreadCachePadding {
  int p;
  long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The fields of {@link ThreadCache}, between its paddings. */
abstract class ThreadCacheFields extends ThreadCachePadding {
  final WeakReference<Thread> owner;

  /** The owner's {@link Thread#threadId()}: unique for the JVM's life, so it names the owner. */
  final long ownerId;

  final long[] entries;
  final int[] counts;

  /** Set by another thread to ask the owner to flush at its next operation. */
  volatile boolean flushRequested;

  /**
   * Set by another thread when it asks something of the owner (a flush, {@link #flushRequested}).
   * The owner's paths read only this flag, before they touch anything else of the cache.
   */
  volatile boolean attention;

  /**
   * Held by a thread that takes the blocks of this cache while its owner is outside the manager
   * ({@link SmallBlocks#takeFromIdle}), and by the owner when it serves {@link #attention}.
   */
  final Object takeLock = new Object();

  /** Set, under {@link #takeLock}, when the cache of a dead thread was given back for good. */
  boolean retired;

  /** Bytes of blocks sitting in this cache; kept under the manager's per-thread budget. */
  long cachedBytes;

  /** Allocations above the small sizes: with {@link #misses}, what tells hits from allocations. */
  long largeAllocations;

  /** Blocks freed by this thread that wait for a grace period: {@code limbo[0, limboCount)}. */
  final long[] limbo;

  int limboCount;

  /** Bytes of the blocks in {@link #limbo}. */
  long limboBytes;

  /** {@link AccessGuard#ticket()} read after the latest free into {@link #limbo}. */
  long limboTicket;

  long misses;
  long allocations;
  long deallocations;
  long requestedAllocated;
  long requestedFreed;
  int leakCountdown;

  ThreadCacheFields(
      WeakReference<Thread> owner, long ownerId, long[] entries, int[] counts, long[] limbo) {
    this.owner = owner;
    this.ownerId = ownerId;
    this.entries = entries;
    this.counts = counts;
    this.limbo = limbo;
  }
}
