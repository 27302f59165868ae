package dev.omega.mem.pool;

import dev.omega.mem.api.PageRun.PageState;

/** A dedicated segment for a request the pool cannot serve; its memory is released on free. */
final class FallbackRegion extends Region {
  FallbackRegion(PoolMemory memory, Object owner) {
    super(memory, owner, memory.byteSize(), PageState.RUN, -1, 0, 1);
  }

  /**
   * Refuses the block's accesses, then gives the memory back; the caller ran a grace period after
   * its free, so no access is still in flight.
   */
  void release() {
    invalidate();
    memory.release();
  }
}
