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
 * <p>Thread safety: confined to its owner thread, except {@link OffHeapMemoryManager} flushing the
 * cache of a thread that has died, or at close.
 */
final class ThreadCache {
  final WeakReference<Thread> owner;

  /** The owner's {@link Thread#threadId()}: unique for the JVM's life, so it names the owner. */
  final long ownerId;

  final int capacity;
  final long[] entries;
  final int[] count;

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

  long hits;
  long misses;
  long allocations;
  long deallocations;
  long allocatedBytes;
  long freedBytes;
  long requestedAllocated;
  long requestedFreed;
  int leakCountdown;

  ThreadCache(Thread owner, int classes, int capacity) {
    this.owner = new WeakReference<>(owner);
    this.ownerId = owner.threadId();
    this.capacity = capacity;
    this.entries = new long[Math.max(1, classes * capacity)];
    this.count = new int[classes];
  }

  /** A cache no thread owns: the marker of a slot being drained while it has no live holder. */
  private ThreadCache() {
    this.owner = new WeakReference<>(null);
    this.ownerId = -1;
    this.capacity = 0;
    this.entries = new long[0];
    this.count = new int[0];
  }

  static ThreadCache marker() {
    return new ThreadCache();
  }

  boolean ownerDead() {
    Thread t = owner.get();
    return t == null || !t.isAlive();
  }
}
