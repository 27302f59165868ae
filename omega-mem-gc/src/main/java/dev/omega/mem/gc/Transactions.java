package dev.omega.mem.gc;

import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapTransaction;

/**
 * Transactions on the heap: begin, commit and rollback of each thread's nested frames, and the undo
 * of what its {@link UndoLog} recorded.
 *
 * <p>Design note. The mutator operations record into the thread's log while one is open ({@link
 * Mutator#undo}): {@link OffHeapManagedHeap#setId} the slot's old target, the payload writes the
 * bytes they overwrite, {@link RootSet} the roots added and removed, allocation a count. What a
 * rollback may point back at is kept alive ({@link #keepAlive}) until the outermost frame ends, so
 * collections inside the transaction run as usual and free only what no rollback can need.
 *
 * <p>A rollback undoes its frame's entries newest first, each through the collector's barrier as
 * the original write was, within one mutator operation (so no pause sees half of it), then drops
 * the frame's kept holds. Objects the frame allocated are then unreachable unless a scope opened
 * before the transaction holds them; a collection frees them right away, so their ids go stale,
 * their callbacks run and their weak references clear at the rollback, the same point in every run.
 * That collection is a full one: a rollback that allocated costs a collection of the heap.
 *
 * <p>Complexity: recording is O(1) per operation; a commit of an inner frame is O(1), of the
 * outermost O(kept ids); a rollback O(its entries), plus the collection if it allocated.
 *
 * <p>Thread safety: a transaction belongs to the thread that began it; only that thread's
 * operations are recorded in it.
 */
final class Transactions {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final CellSpace cells;
  private final GenerationSpace space;
  private final RootSet roots;
  private final Safepoints safepoints;
  private final boolean serial;
  private final boolean writeBarrier;

  Transactions(
      OffHeapManagedHeap heap,
      ObjectTable table,
      CellSpace cells,
      GenerationSpace space,
      RootSet roots,
      Safepoints safepoints,
      boolean serial,
      boolean writeBarrier) {
    this.heap = heap;
    this.table = table;
    this.cells = cells;
    this.space = space;
    this.roots = roots;
    this.safepoints = safepoints;
    this.serial = serial;
    this.writeBarrier = writeBarrier;
  }

  HeapTransaction begin() {
    heap.checkOpen();
    Mutator m = safepoints.current();
    UndoLog log = m.undo;
    if (log == null) {
      log = m.spareUndo != null ? m.spareUndo : new UndoLog();
      m.spareUndo = null;
      m.undo = log;
    }
    return new Frame(m, log, log.push());
  }

  /**
   * Makes {@code id} a root of {@code m}'s transaction until its outermost frame ends. Call with
   * the thread running, inside an operation.
   */
  void keepAlive(Mutator m, long id) {
    m.undo.keep(id);
    if (serial) {
      table.addToHoldsAt(ObjectTable.slotOf(id), 1);
    }
    heap.events().onRootAdded(id);
  }

  /**
   * In a pause: {@code m}'s thread ended with a transaction open, so it is rolled back, every frame
   * of it: a call that never finished must not become state. What its frames allocated is garbage
   * then, for the next collection to free (one cannot run inside this pause).
   */
  void abandon(Mutator m) {
    UndoLog log = m.undo;
    if (log == null) {
      return;
    }
    for (int i = log.top - 1; i >= 0; i--) {
      undo(log, i);
    }
    release(log, 0);
    m.undo = null;
  }

  private void release(UndoLog log, int from) {
    for (int i = log.keptTop - 1; i >= from; i--) {
      long id = log.kept[i];
      if (table.isLive(id)) {
        if (serial) {
          table.addToHoldsAt(ObjectTable.slotOf(id), -1);
        }
        heap.events().onRootRemoved(id);
      }
    }
    log.keptTop = from;
  }

  private void commit(Frame f) {
    UndoLog log = f.log;
    if (log.frames > 1) {
      log.commitFrame();
      return;
    }
    Mutator m = f.mutator;
    boolean entered = safepoints.enterOperation(m);
    try {
      release(log, 0);
      log.commitFrame();
      log.top = 0;
      log.bytesTop = 0;
      m.undo = null;
      m.spareUndo = log.bytes.length > 1 << 20 ? null : log; // a huge one is not kept for reuse
      heap.afterBarrier();
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  private void rollback(Frame f) {
    UndoLog log = f.log;
    Mutator m = f.mutator;
    long allocated = log.allocations();
    boolean entered = safepoints.enterOperation(m);
    try {
      for (int i = log.top - 1; i >= log.entriesFrom(); i--) {
        undo(log, i);
      }
      release(log, log.keptFrom());
      log.dropFrame();
      if (log.frames == 0) {
        m.undo = null;
      }
      heap.afterBarrier();
    } finally {
      safepoints.exitOperation(m, entered);
    }
    if (allocated > 0) {
      safepoints.blocking(m, () -> heap.collector().collect(CollectionCause.EXPLICIT));
    }
  }

  private void undo(UndoLog log, int i) {
    long object = log.objects[i];
    if (!table.isLive(object)) {
      return; // garbage before the transaction, or allocated in it: a collection freed it
    }
    int s = ObjectTable.slotOf(object);
    long address = table.cellAt(s);
    switch (log.kinds[i]) {
      case UndoLog.REFERENCE -> {
        long at = log.args[i] * 8;
        long current = cells.getLong(address, at);
        long old = log.olds[i];
        long restored = old != 0 && table.isLive(old) ? old : 0;
        cells.setLong(address, at, restored);
        if (serial) {
          space.graphVersion++;
        }
        if (writeBarrier) {
          heap.events()
              .onReferenceWrite(
                  object,
                  (int) log.args[i],
                  current != 0 && table.isLive(current) ? current : 0,
                  restored);
        }
      }
      case UndoLog.VALUE -> {
        long base = (long) table.refSlotsAt(s) * 8;
        long offset = base + (log.args[i] >>> 8);
        long old = log.olds[i];
        switch ((int) (log.args[i] & 0xff)) {
          case 1 -> cells.setByte(address, offset, (byte) old);
          case 4 -> cells.setInt(address, offset, (int) old);
          default -> cells.setLong(address, offset, old);
        }
      }
      case UndoLog.RANGE -> {
        int at = (int) (log.olds[i] >>> 32);
        int length = (int) log.olds[i];
        long base = CellSpace.offsetOf(address) + (long) table.refSlotsAt(s) * 8;
        cells.blockOf(address).copyFrom(log.bytes, at, base + log.args[i], length);
      }
      case UndoLog.ROOT_ADDED -> roots.undoAdd(object);
      case UndoLog.ROOT_REMOVED -> roots.undoRemove(object, log.args[i]);
      default -> throw new IllegalStateException("undo log entry of kind " + log.kinds[i]);
    }
  }

  /** One frame of a thread's transaction: the {@link HeapTransaction} a program holds. */
  private final class Frame implements HeapTransaction {
    final Mutator mutator;
    final UndoLog log;
    final int depth;
    private boolean open = true;

    Frame(Mutator mutator, UndoLog log, int depth) {
      this.mutator = mutator;
      this.log = log;
      this.depth = depth;
    }

    private void checkEnd() {
      if (!open) {
        throw new IllegalStateException("transaction (frame " + depth + ") has ended already");
      }
      if (Thread.currentThread() != mutator.thread) {
        throw new IllegalStateException(
            "a transaction is ended by the thread that began it ("
                + mutator.thread.getName()
                + ")");
      }
      heap.checkOpen();
      if (mutator.undo != log || log.frames != depth) {
        throw new IllegalStateException(
            "transactions end innermost first: frame "
                + log.frames
                + " is open inside frame "
                + depth);
      }
    }

    @Override
    public void commit() {
      checkEnd();
      open = false;
      Transactions.this.commit(this);
    }

    @Override
    public void rollback() {
      checkEnd();
      open = false;
      Transactions.this.rollback(this);
    }

    @Override
    public void close() {
      if (open && heap.isClosed()) {
        open = false; // the heap's close freed everything the frame could put back
      } else if (open) {
        rollback();
      }
    }

    @Override
    public int depth() {
      return depth;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public String toString() {
      return "HeapTransaction[frame " + depth + (open ? ", open]" : ", ended]");
    }
  }
}
