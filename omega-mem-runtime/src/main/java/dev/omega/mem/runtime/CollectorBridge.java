package dev.omega.mem.runtime;

import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Breaks the cycle manager → collector → heap → manager: the manager is built first with this
 * bridge as its collector hook, and the heap registers here once it exists. Until then (or in a
 * system without a heap) the hook reports that no collection ran.
 *
 * <p>Thread safety: thread-safe.
 */
final class CollectorBridge {
  private final AtomicReference<ManagedHeap> heap = new AtomicReference<>();

  void attach(ManagedHeap value) {
    heap.set(value);
  }

  /**
   * Collects, then has the heap give back what it no longer uses: it keeps its chunks in place
   * while it holds them, so only memory it gives back can be compacted into a larger run. A
   * deterministic heap is not collected here: when the manager runs short depends on its other
   * users, and its collections may depend only on the heap's own allocations.
   */
  boolean collect() {
    ManagedHeap current = heap.get();
    if (current == null) {
      return false;
    }
    if (current.deterministic()) {
      return current.trim() > 0;
    }
    boolean collected = current.collector().collect(CollectionCause.ALLOCATION_FAILURE);
    return current.trim() > 0 || collected;
  }
}
