package dev.omega.mem.gc;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The heap's roots: counted global roots, and the local roots every thread's scopes hold.
 *
 * <p>Design note. A global root is counted (added twice, removed twice) in a map by id, with the
 * serial number of the add that made it a root: the roots' canonical order ({@link #forEachGlobal})
 * is by that number, so a transaction that undoes a root's removal puts it back where it was. Each
 * hold, global or from a scope, is also counted in the object's record ({@link ObjectTable#HOLDS}),
 * so a free can refuse a rooted object in O(1) without looking here. Local roots are not copied
 * here: they stay on each thread's scope stack ({@link Mutator#held}, each scope's start in {@link
 * Mutator#marks}), so opening and closing a scope allocates nothing, and a collector's walk reads
 * them there, in a pause. In concurrent mode scopes do not count their holds in the record (that
 * would be a shared write per allocation), and closing one tells the collector of each hold it
 * drops only if the collector listens for that.
 *
 * <p>Complexity: adding and removing a global root are O(1) expected; closing a scope is O(its
 * holds); {@link #forEach} is O(roots).
 *
 * <p>Thread safety: global roots change with the changing thread running, under {@link #lock}; a
 * scope is used by the thread that opened it only; the walk runs in a pause.
 */
final class RootSet {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final Safepoints safepoints;
  private final boolean serial;
  private final Object lock = new Object();
  private final Map<Long, GlobalRoot> globalRoots = new LinkedHashMap<>();
  private long nextSerial;

  /** A global root's holds, and the serial number of the add that made it one. */
  private static final class GlobalRoot {
    int holds;
    final long serial;

    GlobalRoot(long serial) {
      this.serial = serial;
    }
  }

  RootSet(OffHeapManagedHeap heap, ObjectTable table, Safepoints safepoints, boolean serial) {
    this.heap = heap;
    this.table = table;
    this.safepoints = safepoints;
    this.serial = serial;
  }

  // ------------------------------------------------------------------ global roots

  /** Makes {@code id} a global root once more. */
  void addGlobal(long id) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      heap.checkOpen();
      int s = table.checkedSlot(id);
      synchronized (lock) {
        globalRoots.computeIfAbsent(id, k -> new GlobalRoot(nextSerial++)).holds++;
        table.addToHoldsAt(s, 1);
      }
      if (m.undo != null) {
        m.undo.rootAdded(id);
      }
      heap.events().onRootAdded(id);
      heap.afterBarrier();
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /** Takes one global root hold off {@code id}; false if it had none. */
  boolean removeGlobal(long id) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      heap.checkOpen();
      int s = table.checkedSlot(id);
      if (m.undo != null) {
        // Held by the transaction first, so the removal cannot free what a rollback puts back
        // (a needless hold if it was no root: the transaction's end drops it).
        heap.transactions().keepAlive(m, id);
      }
      long serial;
      synchronized (lock) {
        GlobalRoot root = globalRoots.get(id);
        if (root == null) {
          return false;
        }
        serial = root.serial;
        if (--root.holds == 0) {
          globalRoots.remove(id);
        }
        table.addToHoldsAt(s, -1);
      }
      if (m.undo != null) {
        m.undo.rootRemoved(id, serial);
      }
      heap.events().onRootRemoved(id);
      heap.afterBarrier();
      return true;
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /**
   * Undoes one {@link #addGlobal} of {@code id} for a rolled-back transaction: as {@link
   * #removeGlobal}, unrecorded. Called with the thread running.
   */
  void undoAdd(long id) {
    int s = table.checkedSlot(id);
    synchronized (lock) {
      GlobalRoot root = globalRoots.get(id);
      if (root == null) {
        throw new IllegalStateException("undo of a root add finds no root " + id);
      }
      if (--root.holds == 0) {
        globalRoots.remove(id);
      }
      table.addToHoldsAt(s, -1);
    }
    heap.events().onRootRemoved(id);
  }

  /**
   * Undoes one {@link #removeGlobal} of {@code id}: one more hold, and if the removal had ended the
   * root, the root again with its old serial number, so it is back in its place in {@link
   * #forEachGlobal}.
   */
  void undoRemove(long id, long serial) {
    int s = table.checkedSlot(id);
    synchronized (lock) {
      globalRoots.computeIfAbsent(id, k -> new GlobalRoot(serial)).holds++;
      table.addToHoldsAt(s, 1);
    }
    heap.events().onRootAdded(id);
  }

  /** A global root and its holds, as {@link #forEachGlobal} gives them. */
  interface GlobalRootVisitor {
    void accept(long id, int holds);
  }

  /**
   * Visits every global root with its holds, in canonical order: by the serial of the add that made
   * each a root (in a pause, or with no other thread changing the roots). {@link
   * OffHeapManagedHeap#digest()} and the snapshot list the roots in this order.
   */
  void forEachGlobal(GlobalRootVisitor visitor) {
    long[] ids;
    GlobalRoot[] rs;
    synchronized (lock) {
      rs = globalRoots.values().toArray(new GlobalRoot[0]);
      ids = new long[rs.length];
      int i = 0;
      for (long id : globalRoots.keySet()) {
        ids[i++] = id;
      }
    }
    // The map's order is the serials' unless a rollback put a root back in its old place.
    Integer[] order = new Integer[rs.length];
    boolean sorted = true;
    for (int i = 0; i < rs.length; i++) {
      order[i] = i;
      sorted &= i == 0 || rs[i - 1].serial < rs[i].serial;
    }
    if (!sorted) {
      Arrays.sort(order, (a, b) -> Long.compare(rs[a].serial, rs[b].serial));
    }
    for (int i : order) {
      visitor.accept(ids[i], rs[i].holds);
    }
  }

  // ------------------------------------------------------------------ scopes

  /** Opens a scope on {@code m}'s stack; returns its depth. */
  int enterScope(Mutator m) {
    heap.checkOpen();
    safepoints.enterScope(m);
    return m.pushScope();
  }

  /** Closes the scope at {@code depth} of {@code m}, which must be its innermost. */
  void exitScope(Mutator m, int depth, long scopeSerial) {
    if (Thread.currentThread() != m.thread) {
      throw new IllegalStateException(
          "a scope must be closed by the thread that opened it (" + m.thread.getName() + ")");
    }
    if (depth > m.depth || m.scopeSerials[depth - 1] != scopeSerial) {
      throw new IllegalStateException("scope is not open (closed already, or never opened here)");
    }
    if (depth != m.depth) {
      throw new IllegalStateException("scopes must be closed innermost first");
    }
    boolean entered = serial && safepoints.enterOperation(m);
    try {
      int from = m.marks[depth - 1];
      if (serial || heap.rootRemovedEvents()) {
        dropHolds(m, from);
      }
      m.heldTop = from;
      m.depth = depth - 1;
      m.scopeSerials[depth - 1] = 0;
      heap.afterBarrier();
    } finally {
      if (entered) {
        safepoints.exitOperation(m, true);
      }
    }
    safepoints.exitScope(m);
  }

  /** Roots {@code id} in the scope at {@code depth} of this thread's mutator too. */
  void hold(Mutator m, int depth, long scopeSerial, long id) {
    if (Thread.currentThread() != m.thread) {
      throw new IllegalStateException(
          "a scope is used only by the thread that opened it (" + m.thread.getName() + ")");
    }
    if (depth > m.depth || m.scopeSerials[depth - 1] != scopeSerial) {
      throw new IllegalStateException("scope is closed");
    }
    boolean entered = safepoints.enterOperation(m);
    try {
      heap.checkOpen();
      int s = table.checkedSlot(id);
      int at = depth == m.depth ? m.heldTop : m.marks[depth];
      m.pushHeld(0);
      System.arraycopy(m.held, at, m.held, at + 1, m.heldTop - 1 - at);
      m.held[at] = id;
      for (int k = depth; k < m.depth; k++) {
        m.marks[k]++;
      }
      if (serial) {
        table.addToHoldsAt(s, 1);
      }
      heap.events().onRootAdded(id);
      heap.afterBarrier();
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /** In a pause: {@code m}'s thread ended, so the holds of all its scopes go. */
  void dropScopes(Mutator m) {
    dropHolds(m, 0);
    m.heldTop = 0;
    m.depth = 0;
  }

  /**
   * One root hold fewer, told to the collector, for each live object {@code m}'s stack holds from
   * {@code from} up.
   */
  private void dropHolds(Mutator m, int from) {
    for (int i = from; i < m.heldTop; i++) {
      long id = m.held[i];
      if (table.isLive(id)) {
        if (serial) {
          table.addToHoldsAt(ObjectTable.slotOf(id), -1);
        }
        heap.events().onRootRemoved(id);
      }
    }
  }

  // ------------------------------------------------------------------ for the collector

  /**
   * Visits every root hold (in a pause): global roots, then every thread's scopes and what its open
   * transaction keeps for a rollback.
   */
  void forEach(LongConsumer visitor) {
    for (long id : globalRoots.keySet()) {
      visitor.accept(id);
    }
    for (Mutator m : safepoints.mutators()) {
      if (m.undo != null) {
        m.undo.forEachKept(
            id -> {
              if (table.isLive(id)) {
                visitor.accept(id);
              }
            });
      }
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
