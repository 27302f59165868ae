package dev.omega.mem.pool;

import dev.omega.mem.api.PageRun.PageState;
import java.lang.foreign.MemorySegment;

/**
 * Memory that blocks point into: a run of pool pages (a {@link Slab} carved into equal blocks, or a
 * whole run handed out as one block) or a dedicated fallback segment.
 *
 * <p>Blocks address their bytes as {@code address + index * stride + offset}, an absolute address
 * in {@link #memory}. Compaction moves a page run by copying its bytes and updating {@link
 * #startPage} and {@link #address}; blocks never hold addresses themselves, so they keep working. A
 * block's bounds check compares against {@link #limit}, which is the stride until the memory is
 * released and 0 after: a released region refuses every access with no check of its own.
 *
 * <p>Thread safety: the page fields are written only under the pool lock; see {@link OffHeapPool}
 * for the compaction protocol. {@link #limit} is written once more, plainly, when the memory is
 * released: a thread racing that may still complete an access, which direct memory keeps harmless
 * ({@link PoolMemory}).
 */
class Region {
  /**
   * The pool's memory, or the fallback segment's. Holding it keeps direct memory mapped (its
   * segment's automatic arena), so no block can reach unmapped memory.
   */
  final PoolMemory memory;

  /** {@code memory.direct}, one load nearer for the access path. */
  final boolean direct;

  /** Who may free blocks of this region: a manager or a pool. */
  final Object owner;

  /** Bytes from one block to the next (the size class; the run length for whole runs). */
  final long stride;

  final PageState kind;

  long startPage;
  final long pages;

  /** Absolute address of the first byte. */
  long address;

  /** {@link #stride} while the memory is there; 0 once it was released. */
  long limit;

  Region(
      PoolMemory memory,
      Object owner,
      long stride,
      PageState kind,
      long startPage,
      long pages,
      long pageSize) {
    this.memory = memory;
    this.direct = memory.direct;
    this.owner = owner;
    this.stride = stride;
    this.limit = stride;
    this.kind = kind;
    this.startPage = startPage;
    this.pages = pages;
    this.address = memory.address + Math.max(0, startPage) * pageSize;
  }

  /**
   * The segment blocks of this region reach their bytes through: the constant {@link
   * PoolMemory#EVERYTHING} for direct memory (absolute addresses), else the memory's own segment.
   */
  MemorySegment view() {
    return direct ? PoolMemory.EVERYTHING : memory.segment;
  }

  /** Where the absolute address {@code address} is in {@link #view()}. */
  long viewOffset(long address) {
    return direct ? address : address - memory.address;
  }

  /** Whether this region lives in a pool (and may be moved) rather than in a fallback segment. */
  boolean inPool() {
    return startPage >= 0;
  }

  /** Refuses every later access to this region's blocks; called before its memory is released. */
  void invalidate() {
    limit = 0;
  }

  boolean isReleased() {
    return limit == 0;
  }
}
