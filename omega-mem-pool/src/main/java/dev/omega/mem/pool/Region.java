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
 * block's bounds check compares against {@link #limit}, which is the stride while the memory is
 * there, {@link #MOVING} while compaction moves it and {@link #RELEASED} after it was given back:
 * both far below zero, so either refuses every access with no check of its own.
 *
 * <p>Thread safety: the page fields are written only under the pool lock. {@link #limit} is
 * volatile: compaction sets it to {@link #MOVING}, runs a grace period ({@link AccessGuard}) so
 * that no access that read the old address is still in flight, copies, writes the new {@link
 * #address} and only then the stride back, so an access that sees the stride sees the new address.
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

  /** {@link #limit} while compaction moves the region: accesses leave and wait. */
  static final long MOVING = Long.MIN_VALUE / 4;

  /** {@link #limit} once the memory was given back: accesses are refused. */
  static final long RELEASED = Long.MIN_VALUE / 2;

  /** {@link #stride} while the memory is there, else {@link #MOVING} or {@link #RELEASED}. */
  volatile long limit;

  /**
   * How many times the region's block is lent as a raw segment ({@code PinnedMemory}); compaction
   * does not move a pinned region. Under the pool lock.
   */
  int pins;

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

  /**
   * Refuses every later access to this region's blocks; the caller runs a grace period before it
   * releases the memory.
   */
  void invalidate() {
    limit = RELEASED;
  }

  boolean isReleased() {
    return limit == RELEASED;
  }

  /**
   * Moves begun plus moves ended: odd while the region is moving. A scalar read, which does not
   * announce itself ({@link Block}), reads it before and after and retries when it changed.
   */
  volatile int moves;

  /** Marks the region moving: accesses that start now leave and wait ({@link #awaitMove()}). */
  void startMove() {
    moves++;
    limit = MOVING;
  }

  /** Publishes the moved region: its new {@link #address} was written before this. */
  void endMove() {
    limit = stride;
    moves++;
  }

  /** Called by an access that found the region moving, outside the access: waits for the move. */
  void awaitMove() {
    int spins = 0;
    while (limit == MOVING) {
      spins = AccessGuard.backOff(spins);
    }
  }
}
