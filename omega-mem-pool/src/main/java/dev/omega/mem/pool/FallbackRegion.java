package dev.omega.mem.pool;

import dev.omega.mem.api.PageRun.PageState;
import java.lang.foreign.Arena;

/** A dedicated segment for a request the pool cannot serve; freed by closing its arena. */
final class FallbackRegion extends Region {
  final Arena arena;

  FallbackRegion(Arena arena, Object owner, long size) {
    super(arena.allocate(size, 16), owner, size, PageState.RUN, -1, 0, 1);
    this.arena = arena;
  }
}
