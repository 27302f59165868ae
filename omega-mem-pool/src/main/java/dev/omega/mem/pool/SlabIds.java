package dev.omega.mem.pool;

import java.util.Arrays;

/**
 * Small integer names for the manager's live slabs, so thread caches can hold blocks as plain
 * {@code long}s ({@code id << 32 | index}) instead of {@code Slab} references.
 *
 * <p>Why: a thread cache is long-lived, so it sits in the old generation, and storing a reference
 * to another old object into it runs G1's post-write barrier, whose StoreLoad fence cost about as
 * much as a CAS on every free. Storing a {@code long} runs no barrier.
 *
 * <p>Layout: {@link #slabs} maps id to slab; freed ids go on a stack and are reused first, so the
 * table stays as large as the most slabs alive at once. An id is released only with its slab, which
 * happens when every block of the slab is back in it, so no cache still holds the id.
 *
 * <p>Thread safety: {@link #register} and {@link #release} lock this object. {@link #get} takes no
 * lock: a thread holds an id only after taking a block of the slab, which came through the size
 * class lock (refill) or through the block handle the program passed it; either way the slab was
 * registered before. The table reference is volatile so a grown table is seen whole.
 */
final class SlabIds {
  private volatile Slab[] slabs = new Slab[64];
  private int[] freeIds = new int[16];
  private int freeTop;
  private int next;

  synchronized void register(Slab slab) {
    int id;
    if (freeTop > 0) {
      id = freeIds[--freeTop];
    } else {
      id = next++;
      if (id == slabs.length) {
        slabs = Arrays.copyOf(slabs, id * 2);
      }
    }
    slab.id = id;
    slabs[id] = slab;
  }

  synchronized void release(Slab slab) {
    slabs[slab.id] = null;
    if (freeTop == freeIds.length) {
      freeIds = Arrays.copyOf(freeIds, freeTop * 2);
    }
    freeIds[freeTop++] = slab.id;
    slab.id = -1;
  }

  Slab get(int id) {
    return slabs[id];
  }

  /** A cache entry naming block {@code index} of slab {@code id}. */
  static long entry(int id, int index) {
    return (long) id << 32 | index;
  }

  static int idOf(long entry) {
    return (int) (entry >>> 32);
  }

  static int indexOf(long entry) {
    return (int) entry;
  }
}
