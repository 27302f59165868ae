package dev.omega.mem.pool;

import dev.omega.mem.api.PageRun.PageState;
import java.lang.foreign.MemorySegment;

/**
 * Memory that blocks point into: a run of pool pages (a {@link Slab} carved into equal blocks, or a
 * whole run handed out as one block) or a dedicated fallback segment.
 *
 * <p>Blocks address their bytes as {@code segment + base + index * stride + offset}. Compaction
 * moves a page run by copying its bytes and updating {@link #startPage} and {@link #base}; blocks
 * never hold raw addresses, so they keep working.
 *
 * <p>Thread safety: the page fields are written only under the pool lock; see {@link OffHeapPool}
 * for the compaction protocol.
 */
class Region {
  /** The pool's whole region, or the fallback segment. */
  final MemorySegment segment;

  /** Who may free blocks of this region: a manager or a pool. */
  final Object owner;

  /** Bytes from one block to the next (the size class; the run length for whole runs). */
  final long stride;

  final PageState kind;

  long startPage;
  final long pages;
  long base;

  Region(
      MemorySegment segment,
      Object owner,
      long stride,
      PageState kind,
      long startPage,
      long pages,
      long pageSize) {
    this.segment = segment;
    this.owner = owner;
    this.stride = stride;
    this.kind = kind;
    this.startPage = startPage;
    this.pages = pages;
    this.base = startPage * pageSize;
  }

  /** Whether this region lives in a pool (and may be moved) rather than in a fallback segment. */
  boolean inPool() {
    return startPage >= 0;
  }
}
