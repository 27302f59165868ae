package dev.omega.mem.gc;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.gc.CollectionCause;

/**
 * Where an allocating thread gets a cell and a table slot: from its own magazines, refilled in
 * batches from the {@link CellSpace} and the {@link ObjectTable}, and past those from the memory
 * manager.
 *
 * <p>Design note. Terms: a <em>magazine</em> is a thread's stack of free cells of one cell class,
 * or of free table slots ({@link Mutator#cells}, {@link Mutator#slots}). Taking from it is a pop
 * with no lock and no CAS; an empty one is refilled with a batch under the cell space's monitor or
 * the table's lock, so the shared structures are touched once per batch. When no cell is free, a
 * chunk (or, for a large object, its own block) comes from the manager; when the manager is out of
 * memory, one collection runs and the cells it freed are tried first. When the table is full, it
 * grows in a pause. Magazines go back to the shared structures when their thread ends, when the
 * heap closes, and after a collection that allocation failure started.
 *
 * <p>Complexity: O(1) per allocation, amortized over a batch; growing the table is O(its size).
 *
 * <p>Thread safety: a thread uses its own magazines; the refills lock as above; emptying another
 * thread's magazines happens in a pause only.
 */
final class ThreadMagazines {
  /** Bytes of cells a thread takes at once into the magazine of one cell class. */
  private static final int CELL_BATCH_BYTES = 16 << 10;

  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final CellSpace cells;
  private final GenerationSpace space;
  private final MemoryManager manager;
  private final Safepoints safepoints;
  private final CollectionTrigger trigger;

  ThreadMagazines(
      OffHeapManagedHeap heap,
      ObjectTable table,
      CellSpace cells,
      GenerationSpace space,
      MemoryManager manager,
      Safepoints safepoints,
      CollectionTrigger trigger) {
    this.heap = heap;
    this.table = table;
    this.cells = cells;
    this.space = space;
    this.manager = manager;
    this.safepoints = safepoints;
    this.trigger = trigger;
  }

  /** A cell of at least {@code bytes} for thread {@code m}. */
  long takeCell(Mutator m, long bytes, boolean insidePause) {
    if (bytes <= cells.largestCell()) {
      int c = CellSpace.classOf(bytes);
      if (m.cellTop[c] > 0) {
        return m.cells[c][--m.cellTop[c]];
      }
      if (refillCells(m, c, bytes)) {
        return m.cells[c][--m.cellTop[c]];
      }
    }
    return cellFromNewBlock(m, bytes, insidePause);
  }

  /** Takes a batch of free cells of class {@code c} into the thread's magazine; false if none. */
  private boolean refillCells(Mutator m, int c, long bytes) {
    long[] magazine = m.cells[c];
    if (magazine == null) {
      magazine = new long[Math.clamp(CELL_BATCH_BYTES / CellSpace.cellSize(c), 1, 256)];
      m.cells[c] = magazine;
    }
    int n = 0;
    synchronized (cells) {
      while (n < magazine.length) {
        long address = cells.tryAllocate(bytes);
        if (address < 0) {
          break;
        }
        magazine[n++] = address;
      }
    }
    m.cellTop[c] = n;
    return n > 0;
  }

  /**
   * The slow path: no cell was free, so a chunk (or, for a large object, its own block) comes from
   * the manager. If the manager is out of memory, one collection runs; then the freed cells, and
   * the chunks the collection emptied, are tried before the manager again.
   */
  private long cellFromNewBlock(Mutator m, long bytes, boolean insidePause) {
    long blockBytes = cells.blockBytesFor(bytes);
    MemoryBlock block = cells.takeReserved(blockBytes);
    if (block != null) {
      synchronized (cells) {
        if (!heap.isClosed()) {
          return cells.adopt(block, bytes);
        }
      }
      manager.deallocate(block); // the close gave the reserve back: this chunk goes too
      heap.checkOpen();
      throw new IllegalStateException("heap is closed");
    }
    try {
      block = safepoints.blocking(m, () -> manager.allocate(blockBytes));
    } catch (OutOfMemoryException e) {
      if (heap.deterministic()) {
        throw physicalShortage(blockBytes, e);
      }
      if (insidePause) {
        throw e;
      }
      RuntimeException collectorFault =
          safepoints.blocking(m, () -> trigger.tryCollect(CollectionCause.ALLOCATION_FAILURE));
      long address = freeCellAfterCollection(bytes);
      if (address >= 0) {
        return address;
      }
      try {
        block = safepoints.blocking(m, () -> manager.allocate(blockBytes));
      } catch (OutOfMemoryException again) {
        if (collectorFault != null) {
          again.addSuppressed(collectorFault);
        }
        throw again;
      }
    }
    synchronized (cells) {
      if (!heap.isClosed()) {
        return cells.adopt(block, bytes);
      }
    }
    manager.deallocate(block);
    heap.checkOpen();
    throw new IllegalStateException("heap is closed");
  }

  /**
   * A deterministic heap does not collect when the manager has no chunk for it: where that happens
   * depends on the pool's other users and its history, not on the program. Its accounting allowed
   * the allocation ({@link OffHeapManagedHeap#deterministic()}), so this is the node's shortage.
   */
  private static OutOfMemoryException physicalShortage(long blockBytes, OutOfMemoryException e) {
    OutOfMemoryException shortage =
        new OutOfMemoryException(
            "deterministic heap: the memory manager has no "
                + blockBytes
                + " bytes for a chunk the heap's accounting allows; the pool is too small, shared"
                + " or fragmented for the heap's accounted capacity, a failure of this node that"
                + " is outside the deterministic contract ("
                + e.getMessage()
                + ")",
            e.requestedBytes(),
            e.priority(),
            e.freeBytes(),
            e.largestFreeRunBytes(),
            e.fragmentation());
    shortage.addSuppressed(e);
    return shortage;
  }

  /**
   * In a pause: every thread's magazines go back to the cell space, which then returns its empty
   * chunks to the manager; then a cell for {@code bytes}, or -1.
   */
  private long freeCellAfterCollection(long bytes) {
    heap.lock.lock();
    try {
      heap.checkOpen();
      for (Mutator m : safepoints.mutators()) {
        returnCells(m);
      }
      long address = cells.tryAllocate(bytes);
      if (address >= 0) {
        return address;
      }
      cells.releaseEmptyChunks();
      return -1;
    } finally {
      heap.lock.unlock();
    }
  }

  /** Gives back the cells in {@code m}'s magazines (in a pause, or on its own thread). */
  void returnCells(Mutator m) {
    for (int c = 0; c < m.cells.length; c++) {
      while (m.cellTop[c] > 0) {
        cells.free(m.cells[c][--m.cellTop[c]]);
      }
    }
  }

  /** Gives back both kinds of {@code m}'s magazines (in a pause). */
  void returnAll(Mutator m) {
    returnCells(m);
    table.returnSlots(m);
  }

  /** A free table slot for thread {@code m}. */
  int takeSlot(Mutator m) {
    if (m.slotTop > 0) {
      return m.slots[--m.slotTop];
    }
    while (true) {
      int slot = table.refill(m);
      if (slot >= 0) {
        return slot;
      }
      growTable();
    }
  }

  /**
   * Grows the object table, in a pause: readers that hold the old copy without a lock find its
   * generations poisoned ({@link ObjectTable#RETIRED}) and read again from the new one.
   */
  private void growTable() {
    heap.lock.lock();
    try {
      heap.checkOpen();
      if (!table.full()) {
        return; // another thread grew it, or a pause freed slots, meanwhile
      }
      space.lists.ensureCapacity(table.grow());
    } finally {
      heap.lock.unlock();
    }
  }
}
