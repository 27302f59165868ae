package dev.omega.mem.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The manager's thread caches: finding the calling thread's, listing them all, asking their owners
 * to flush, and giving back the caches of threads that died, with their counters.
 *
 * <p>Design note. Lookup is a table of {@link #CACHE_SLOTS} slots indexed by {@code threadId &
 * (CACHE_SLOTS - 1)}: finding the cache there is a register read, a field read and an array read,
 * where {@code ThreadLocal.get()} is a hash lookup. A new cache claims its slot with a CAS when the
 * slot is free or its holder's thread has died; a thread whose slot another live thread holds uses
 * the thread-local, which made its cache in the first place. Every cache is also listed in {@link
 * #allCaches}, for the walks of statistics, flush requests and the dead-cache sweep.
 *
 * <p>A cache holds its thread weakly, so a thread that ends leaves its cache behind, stash and
 * limbo full. {@link #flushDeadCaches()} finds such caches, unlists them (exactly one sweeper wins
 * the removal), frees their slot, returns their blocks to the slabs and keeps their counters in
 * {@link #retired}. It runs on slow paths only: every {@link #DEAD_CACHE_SWEEP_INTERVAL}-th refill
 * of a thread, statistics, and the out-of-memory chain.
 *
 * <p>Another thread asks a cache's owner for something by setting a request flag and then {@code
 * attention}; the owner's paths read only {@code attention} and serve the requests ({@link
 * SmallBlocks#serveRequests}).
 *
 * <p>Thread safety: thread-safe. Slots change by CAS and are read plainly on the hot path, which
 * compares the cache's final {@code ownerId}; the list is a concurrent queue; {@link #retired} is
 * guarded by {@code this}. The walks read other threads' plain fields racily, for figures and
 * decisions only.
 */
final class ThreadCaches {
  /** Slots of the lookup table; a power of two so the index is a mask of the thread id. */
  private static final int CACHE_SLOTS = 256;

  /** Refills between two looks for caches of threads that have died. */
  private static final int DEAD_CACHE_SWEEP_INTERVAL = 256;

  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(ThreadCache[].class);

  private final SmallBlocks small;

  /**
   * Each thread's cache at {@code threadId & (CACHE_SLOTS - 1)}, where it is claimed first come.
   */
  private final ThreadCache[] cacheSlots = new ThreadCache[CACHE_SLOTS];

  private final ThreadLocal<ThreadCache> caches;
  private final ConcurrentLinkedQueue<ThreadCache> allCaches = new ConcurrentLinkedQueue<>();
  private final Collection<ThreadCache> view = Collections.unmodifiableCollection(allCaches);

  /** Counters of caches whose threads died; guarded by {@code this}. */
  private ManagerCounters retired = ManagerCounters.ZERO;

  ThreadCaches(SmallBlocks small) {
    this.small = Objects.requireNonNull(small, "small is null");
    this.caches =
        ThreadLocal.withInitial(
            () -> {
              ThreadCache cache =
                  new ThreadCache(Thread.currentThread(), small.classCount(), small.cacheCapacity);
              cache.leakCountdown = 1; // sampled leak detection follows a thread's first block
              allCaches.add(cache);
              claimSlot(cache);
              return cache;
            });
  }

  /** The calling thread's cache. */
  ThreadCache cache() {
    long id = Thread.currentThread().threadId();
    ThreadCache cache = cacheSlots[(int) id & (CACHE_SLOTS - 1)];
    if (cache != null && cache.ownerId == id) {
      return cache;
    }
    return caches.get();
  }

  /**
   * Puts a new cache in its slot when the slot is free or its holder's thread has died, with a CAS.
   * Readers on the hot path read the element plainly and compare {@code ownerId} (a final field, so
   * safely published); a thread that finds another cache there uses the thread-local.
   */
  private void claimSlot(ThreadCache cache) {
    int slot = (int) cache.ownerId & (CACHE_SLOTS - 1);
    ThreadCache holder = (ThreadCache) SLOTS.getVolatile(cacheSlots, slot);
    if ((holder == null || holder.ownerDead())
        && SLOTS.compareAndSet(cacheSlots, slot, holder, cache)) {
      return;
    }
  }

  /** Every listed cache, live or not yet swept; weakly consistent, like the queue under it. */
  Iterable<ThreadCache> all() {
    return view;
  }

  /** Counts a stash miss of {@code cache}'s owner; every so many, sweeps dead threads' caches. */
  void countMiss(ThreadCache cache) {
    if ((++cache.misses & (DEAD_CACHE_SWEEP_INTERVAL - 1)) == 0) {
      flushDeadCaches();
    }
  }

  /** Flushes and retires the caches of threads that have died, keeping their counters. */
  void flushDeadCaches() {
    for (ThreadCache cache : allCaches) {
      if (cache.ownerDead() && allCaches.remove(cache)) {
        int slot = (int) cache.ownerId & (CACHE_SLOTS - 1);
        SLOTS.compareAndSet(cacheSlots, slot, cache, null);
        // Under the lock a thread taking an idle cache holds, so the two never flush one cache.
        synchronized (cache.takeLock) {
          cache.retired = true;
          small.flush(cache);
        }
        synchronized (this) {
          retired = retired.plus(cache);
        }
      }
    }
  }

  /** The counters of every cache, live or retired; racy, so exact when the manager is quiet. */
  ManagerCounters counters() {
    ManagerCounters sum;
    synchronized (this) {
      sum = retired;
    }
    for (ThreadCache c : allCaches) {
      sum = sum.plus(c);
    }
    return sum;
  }

  /** Bytes parked in caches and limbos other than {@code except}'s; racy, for decisions only. */
  long parkedBytes(ThreadCache except) {
    long bytes = 0;
    for (ThreadCache c : allCaches) {
      if (c != except) {
        bytes += c.cachedBytes + c.limboBytes;
      }
    }
    return bytes;
  }

  /** Asks the owner of every cache but {@code except} to flush at its next operation. */
  void requestFlush(ThreadCache except) {
    for (ThreadCache other : allCaches) {
      if (other != except) {
        other.flushRequested = true;
        other.attention = true;
      }
    }
  }

  /** Calls {@code action} with every cache but {@code except}. */
  void forEachOther(ThreadCache except, java.util.function.Consumer<ThreadCache> action) {
    for (ThreadCache other : allCaches) {
      if (other != except) {
        action.accept(other);
      }
    }
  }

  /** Whether a live thread other than {@code except}'s owner has yet to answer a flush request. */
  boolean flushPending(ThreadCache except) {
    for (ThreadCache other : allCaches) {
      if (other != except && other.flushRequested && !other.ownerDead()) {
        return true;
      }
    }
    return false;
  }
}
