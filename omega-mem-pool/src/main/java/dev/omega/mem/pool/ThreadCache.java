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
 * Hoarding is bounded: a class caches at most {@code min(thread_cache_blocks, 32 KiB / block size)}
 * blocks (as jemalloc's tcache), and a whole cache at most 256 KiB (less for small pools); past
 * that budget the cache is flushed. Without these limits 256 threads exhausted a 256 MiB pool
 * holding 4 MiB of live data.
 *
 * <p>Remote frees. A block carries its allocating cache's slot tag; another thread that frees it
 * queues it on the slot ({@link Block}'s note) and raises {@link #attention}, and the owner moves
 * the queue into this cache at its next allocation or free. An owner that stops calling the manager
 * keeps those blocks until its thread dies, as it keeps its cached ones.
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
 * <p>Thread safety: confined to its owner thread, except {@link OffHeapMemoryManager} flushing the
 * cache of a thread that has died, or at close.
 */
final class ThreadCache extends ThreadCacheFields {
  // Trailing padding: 16 longs after the hot fields of the superclass.
  long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

  /** Unused ints at each end of {@link #counts}: 128 bytes. */
  private static final int COUNT_PAD = 32;

  /** Unused longs at each end of {@link #entries}: 128 bytes. */
  private static final int ENTRY_PAD = 16;

  ThreadCache(Thread owner, int classes, int capacity) {
    super(
        new WeakReference<>(owner),
        owner.threadId(),
        new long[Math.max(1, classes * capacity) + 2 * ENTRY_PAD],
        new int[classes + 2 * COUNT_PAD]);
  }

  /** A cache no thread owns: the marker of a slot being drained while it has no live holder. */
  private ThreadCache() {
    super(new WeakReference<>(null), -1, new long[2 * ENTRY_PAD], new int[2 * COUNT_PAD]);
  }

  static ThreadCache marker() {
    return new ThreadCache();
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
   * Set by another thread when it asks something of the owner: a flush ({@link #flushRequested}) or
   * draining the blocks other threads freed for it. The owner's paths read only this flag.
   */
  volatile boolean attention;

  /**
   * The owner tag this cache's blocks carry ({@link Block#owner()}): its cache slot plus one while
   * it holds one, else 0. Written by the owner before it allocates; read only by the owner.
   */
  int tag;

  /** {@link #tag}, or -1 without a slot: the argument to {@link Block#markFreed(int)}. */
  int callerTag = -1;

  /** Bytes of blocks sitting in this cache; kept under the manager's per-thread budget. */
  long cachedBytes;

  /** Allocations above the small sizes: with {@link #misses}, what tells hits from allocations. */
  long largeAllocations;

  long misses;
  long allocations;
  long deallocations;
  long requestedAllocated;
  long requestedFreed;
  int leakCountdown;

  ThreadCacheFields(WeakReference<Thread> owner, long ownerId, long[] entries, int[] counts) {
    this.owner = owner;
    this.ownerId = ownerId;
    this.entries = entries;
    this.counts = counts;
  }
}
