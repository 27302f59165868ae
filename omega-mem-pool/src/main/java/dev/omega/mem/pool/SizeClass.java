package dev.omega.mem.pool;

import java.util.ArrayDeque;

/**
 * Shared state of one size class: its slabs with free blocks, and counters. Threads reach it only
 * to refill or flush their caches, a batch of blocks at a time, so its lock is taken once per
 * {@code batch} allocations.
 *
 * <p>Thread safety: every method is called with {@code this} locked ({@code synchronized}).
 */
final class SizeClass {
  final int index;
  final int blockSize;

  /**
   * Pages per slab: {@link SmallBlocks#SLAB_BYTES} (less in small pools, never under a page), and
   * room for at least {@link SmallBlocks#MIN_BLOCKS_PER_SLAB} blocks.
   */
  final long slabPages;

  /** Blocks a thread may cache of this class: fewer for bigger blocks (as jemalloc's tcache). */
  final int cacheLimit;

  /** Slabs with at least one free block; the head is used first. */
  final ArrayDeque<Slab> partial = new ArrayDeque<>();

  long slabs;
  long refills;
  long failures;

  /**
   * Blocks out of this class's slabs: handed out, or parked in thread caches and limbos. Written
   * under the lock; {@link SmallBlocks#outstandingBytes()} reads it without, so memory usage takes
   * no lock (a 64-bit JVM never tears a {@code long}).
   */
  long outstanding;

  SizeClass(int index, int blockSize, long slabPages, int cacheLimit) {
    this.index = index;
    this.blockSize = blockSize;
    this.slabPages = slabPages;
    this.cacheLimit = cacheLimit;
  }

  void list(Slab slab) {
    if (!slab.listed) {
      slab.listed = true;
      partial.addFirst(slab);
    }
  }

  void unlist(Slab slab) {
    if (slab.listed) {
      slab.listed = false;
      partial.remove(slab);
    }
  }
}
