package dev.omega.mem.gc;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The heap's roots: counted global roots, and the local roots every thread's scopes hold.
 *
 * <p>Design note. A global root is counted (added twice, removed twice) in a map by id; each hold,
 * global or from a scope, is also counted in the object's record ({@link ObjectTable#HOLDS}), so a
 * free can refuse a rooted object in O(1) without looking here. Local roots are not copied here:
 * they stay on each thread's scope stack ({@link Mutator#held}) and a collector's walk reads them
 * there, in a pause. In concurrent mode scopes do not count their holds in the record (that would
 * be a shared write per allocation); the collector sees them through the walk and the root events.
 *
 * <p>Complexity: adding and removing a global root are O(1) expected; {@link #forEach} is O(roots).
 *
 * <p>Thread safety: global roots change with the changing thread running, under {@link #lock}; the
 * walk runs in a pause.
 */
final class RootSet {
  private final ObjectTable table;
  private final Safepoints safepoints;
  private final Object lock = new Object();
  private final Map<Long, Integer> globalRoots = new HashMap<>();

  RootSet(ObjectTable table, Safepoints safepoints) {
    this.table = table;
    this.safepoints = safepoints;
  }

  /** One global root hold more on {@code id}, in table slot {@code s}. */
  void add(long id, int s) {
    synchronized (lock) {
      globalRoots.merge(id, 1, Integer::sum);
      table.addToHoldsAt(s, 1);
    }
  }

  /** One global root hold fewer on {@code id}, in table slot {@code s}; false if it had none. */
  boolean remove(long id, int s) {
    synchronized (lock) {
      Integer holds = globalRoots.get(id);
      if (holds == null) {
        return false;
      }
      if (holds == 1) {
        globalRoots.remove(id);
      } else {
        globalRoots.put(id, holds - 1);
      }
      table.addToHoldsAt(s, -1);
    }
    return true;
  }

  /** Visits every root hold (in a pause): global roots, then every thread's scopes. */
  void forEach(LongConsumer visitor) {
    for (long id : globalRoots.keySet()) {
      visitor.accept(id);
    }
    for (Mutator m : safepoints.mutators()) {
      for (int i = 0; i < m.heldTop; i++) {
        long id = m.held[i];
        if (table.isLive(id)) {
          visitor.accept(id);
        }
      }
    }
  }

  /** Forgets every global root (the heap is closing). */
  void clear() {
    globalRoots.clear();
  }
}
