package dev.omega.mem.gc;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.WeakHeapReference;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.HeapEvents;
import dev.omega.mem.spi.ReferenceCountPasses;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The managed heap: an object graph whose slots and payloads live in pool memory.
 *
 * <p>Design note. Terms: an object's <em>id</em> is {@code tag << 52 | slotGeneration << 28 | (slot
 * + 1)}: the heap's tag (1..4095, so an id of another heap is refused), the table slot's generation
 * (24 bits) and the slot; 0 is null. Layout:
 *
 * <pre>
 *   cell per object (pool)  [ ref slot 0 | ... | ref slot n-1 | payload bytes ]   slots hold ids
 *   object table (header)   int[8] per slot: slot generation | shape (reference slots,
 *                           generation, extras) | data bytes | mark | count | root holds |
 *                           cell address (in the {@link CellSpace}; -1 when the slot is free)
 *   generation lists        {@link IndexLists}, one per generation
 * </pre>
 *
 * Cells come from the heap's own {@link CellSpace}, which takes chunks from the memory manager: an
 * object costs no manager call and no Java block object, and freeing one during a sweep is a push
 * on a dense array.
 *
 * <p>The header lives in a side table indexed by slot rather than inline in pool memory, so the
 * payload handed to programs cannot reach it, and a collector reads it without the checked pool
 * access. It is one record per slot, not one array per field: every path touches several fields of
 * the same object. A slot's generation moves on when its object is freed, which makes every old
 * handle and id stale. Generations never wrap: generation {@link #RETIRED} (the last value) is
 * never handed out; a slot that reaches it is kept out of the free list for good, so no id can
 * match it again. Per-object cost: 16 bytes counted as header.
 *
 * <p>Concurrency (see {@link Safepoints} for the protocol and its happens-before argument). The
 * mutator path takes no heap-wide lock:
 *
 * <ul>
 *   <li>Allocation takes a cell from the thread's magazine for its cell class and a table slot from
 *       the thread's slot magazine ({@link Mutator}); a magazine is refilled in batches under a
 *       lock of the cell space or of the table. The new object goes on the thread's fresh list,
 *       which the next pause links into generation 0, and its bytes into the thread's own counters.
 *   <li>Reference and payload reads take no lock and allocate nothing: they read the slot's
 *       generation, the cell, and the generation again. Only pauses free objects, and only later
 *       allocations reuse their memory, so an unchanged generation means the value read was the
 *       object's. A table grown in a pause has its old copy's generations poisoned, so a reader
 *       still holding it retries on the new one.
 *   <li>Writes (references, payload, roots) run with the thread <em>running</em>, so no pause is
 *       under way; the collector's barrier runs on the writing thread. Barriers of collectors with
 *       the {@code CONCURRENT_MUTATORS} trait may run on several threads at once and keep their
 *       shared state consistent themselves; the others get serial mode: one lock held by every
 *       mutator operation and by pauses, as before.
 *   <li>Pauses ({@link #stopTheWorld}) stop every running thread at a safepoint; HeapAccess passes
 *       a collector calls outside one start one. Cleanup callbacks of freed objects run at the end
 *       of the pause, on the pausing thread, with the world still stopped, so one may allocate.
 * </ul>
 *
 * <p>Thread safety: thread-safe; scopes belong to the thread that opened them.
 */
final class OffHeapManagedHeap implements ManagedHeap, HeapAccess, ReferenceCountPasses {
  private static final System.Logger LOG = System.getLogger("omega.gc");
  static final int HEADER_BYTES = 16;
  static final int MAX_SLOTS = 1 << 16;
  static final int MAX_DATA = 1 << 30;

  private static final int SLOT_BITS = 28;
  private static final long SLOT_MASK = (1L << SLOT_BITS) - 1;
  private static final int ID_GEN_MASK = (1 << 24) - 1;
  private static final int TAG_SHIFT = 52;
  private static final AtomicInteger TAGS = new AtomicInteger();

  /** Table slots a thread takes at once into its slot magazine. */
  private static final int SLOT_BATCH = 64;

  /** Bytes of cells a thread takes at once into the magazine of one cell class. */
  private static final int CELL_BATCH_BYTES = 4096;

  private final long tagBits;

  /**
   * Not a lock any more: a pause. The collector-facing passes below begin one (or join the pause
   * they run in) where they used to take the heap lock.
   */
  final PauseLock lock = new PauseLock();

  final Safepoints safepoints;
  private final MemoryManager manager;
  private final GarbageCollectorConfig config;
  private final int generations;
  private final GarbageCollector collector;
  private final boolean serial;
  private final boolean writeBarrier;
  private final boolean countsReferences;
  private volatile HeapEvents events = new HeapEvents() {};

  /** Whether {@link #events} overrides {@link HeapEvents#onRootRemoved} (scope closes skip it). */
  private volatile boolean rootRemovedEvents;

  private final Object tableLock = new Object();
  private final Object rootLock = new Object();
  private final Object finalLock = new Object();
  private final HeapRefs refs = new IdRefs();

  /**
   * The object table: {@link #W} ints per slot, one record per object, so that allocating, marking
   * and sweeping an object touch one or two cache lines rather than one per field. Fields, by
   * offset: {@link #SLOT_GEN}, {@link #SHAPE}, {@link #DATA}, {@link #MARK}, {@link #COUNT}, {@link
   * #HOLDS}, {@link #CELL_HI} and {@link #CELL_LO}. Replaced (grown) only in a pause. Written by
   * pauses, by the thread that allocated the object (before it publishes the id), by barriers
   * (marks) and under {@link #rootLock} or {@link #finalLock} (root holds, extras); read without a
   * lock (see the class note).
   */
  private volatile int[] header = new int[1024 * W];

  /** Ints per slot in {@link #header}: 32 bytes. */
  private static final int W = 8;

  /** The slot's generation: advanced when its object is freed, so old ids and handles go stale. */
  private static final int SLOT_GEN = 0;

  /**
   * The slot generation of a retired slot, never given to an object: a slot that reaches it is
   * never reused, so generations do not wrap back to those of ids still held (see the class note).
   */
  static final int RETIRED = ID_GEN_MASK;

  /**
   * Reference slots (bits 0-16, up to {@link #MAX_SLOTS}), the object's generation (bits 17-20) and
   * its extras (bits 24-31): bit 0 has cleanup callbacks, bit 1 has weak references (so frees skip
   * the maps), bit 2 is being freed by {@link #freeAll}.
   */
  private static final int SHAPE = 1;

  private static final int DATA = 2;
  private static final int MARK = 3;

  /** The reference count a collector keeps (the heap only zeroes it). */
  private static final int COUNT = 4;

  /** Root holds: global roots and scopes holding the object. */
  private static final int HOLDS = 5;

  /** The cell's address in the {@link CellSpace} (high and low half); -1 when the slot is free. */
  private static final int CELL_HI = 6;

  private static final int CELL_LO = 7;

  private static final int REFS_MASK = (1 << 17) - 1;
  private static final int GEN_SHIFT = 17;
  private static final int GEN_MASK = 0xF;
  private static final int EXTRAS_SHIFT = 24;

  private final CellSpace cells;

  private static final byte HAS_CALLBACKS = 1;
  private static final byte HAS_WEAK_REFS = 2;

  /** Listed in a {@link #freeAll} under way. */
  private static final byte DYING = 4;

  private final IndexLists genLists;

  /**
   * Lazy sweeps, per generation: the next slot to look at (walking from the tail towards the head,
   * so objects linked at the head after the sweep began are never reached), the last slot to look
   * at (the head when it began), the mark that means live, and where survivors go (their own
   * generation, or the next one up when a generational collector promotes lazily). Cursor -1: none
   * pending.
   */
  private final int[] sweepCursor;

  private final int[] sweepFence;
  private final int[] sweepLiveMark;
  private final int[] sweepSurvivorGen;
  private int highWater;

  /** Free table slots not in any magazine; pushed in pauses, taken under {@link #tableLock}. */
  private int[] freeSlots = new int[1024];

  private int freeTop;

  /**
   * Objects and bytes linked into the generation lists: changed in pauses (and under the serial
   * lock); what threads allocated since the last pause is in their {@link Mutator#fresh} lists.
   */
  private long objects;

  private long usedBytes;
  private volatile long nextTriggerBytes;

  /** Set by {@link #stopTheWorld} on the pausing thread: no other thread runs meanwhile. */
  private boolean inCollection;

  /** Volatile: every operation reads it before it starts. */
  private volatile boolean closed;

  private final Map<Long, Integer> globalRoots = new HashMap<>();

  /** Callbacks and weak references by slot; under {@link #finalLock} (and read in pauses). */
  private final Map<Integer, List<Runnable>> callbacks = new HashMap<>();

  private final Map<Integer, List<WeakRef>> weakRefs = new HashMap<>();
  private final List<Runnable> pendingCallbacks = new ArrayList<>();
  private long callbackFailures;

  OffHeapManagedHeap(
      GarbageCollectorConfig config, MemoryManager manager, GarbageCollectorProvider provider) {
    this.config = Objects.requireNonNull(config, "config is null");
    this.manager = Objects.requireNonNull(manager, "manager is null");
    Objects.requireNonNull(provider, "collector provider is null");
    this.generations = config.generationalCount();
    this.genLists = new IndexLists(generations, 1024);
    this.sweepCursor = new int[generations];
    this.sweepFence = new int[generations];
    this.sweepLiveMark = new int[generations];
    this.sweepSurvivorGen = new int[generations];
    Arrays.fill(sweepCursor, -1);
    this.nextTriggerBytes = (long) (config.collectionThreshold() * capacityBytes());
    this.cells = new CellSpace(manager, capacityBytes());
    this.tagBits = (long) (TAGS.getAndIncrement() % 4095 + 1) << TAG_SHIFT;
    CollectorTraits traits = Objects.requireNonNull(provider.traits(), "collector traits are null");
    this.serial = !traits.concurrentMutators();
    this.writeBarrier = traits.needsWriteBarrier();
    this.countsReferences = traits.countsReferences();
    int cellClasses = CellSpace.classOf(cells.largestCell()) + 1;
    this.safepoints =
        new Safepoints(
            serial,
            () -> new Mutator(Thread.currentThread(), cellClasses),
            this::publishFresh,
            this::reap);
    this.collector = provider.create(config, this);
    if (collector instanceof HeapEvents barriers) {
      install(barriers); // only now: no barrier runs on a collector still being built
    }
  }

  // ------------------------------------------------------------------ ids and validation

  private static int slotOf(long id) {
    return (int) (id & SLOT_MASK) - 1;
  }

  private static int generationOfId(long id) {
    return (int) (id >>> SLOT_BITS) & ID_GEN_MASK;
  }

  private long idOf(int slot) {
    return tagBits | (long) header[slot * W + SLOT_GEN] << SLOT_BITS | (slot + 1);
  }

  private int refSlotsAt(int s) {
    return header[s * W + SHAPE] & REFS_MASK;
  }

  private int generationAt(int s) {
    return (header[s * W + SHAPE] >>> GEN_SHIFT) & GEN_MASK;
  }

  private void setGenerationAt(int s, int gen) {
    int at = s * W + SHAPE;
    header[at] = (header[at] & ~(GEN_MASK << GEN_SHIFT)) | gen << GEN_SHIFT;
  }

  private int extrasAt(int s) {
    return header[s * W + SHAPE] >>> EXTRAS_SHIFT;
  }

  private void setExtrasAt(int s, int extras) {
    int at = s * W + SHAPE;
    header[at] = (header[at] & ((1 << EXTRAS_SHIFT) - 1)) | extras << EXTRAS_SHIFT;
  }

  private long cellAt(int s) {
    return cellIn(header, s * W);
  }

  private static long cellIn(int[] h, int at) {
    return ((long) h[at + CELL_HI] << 32) | (h[at + CELL_LO] & 0xFFFF_FFFFL);
  }

  private void setCellAt(int s, long address) {
    header[s * W + CELL_HI] = (int) (address >>> 32);
    header[s * W + CELL_LO] = (int) address;
  }

  /** Slots the table has room for. */
  private int tableCapacity() {
    return header.length / W;
  }

  /**
   * Whether {@code id} names a live object of this heap: the tag, then one record read (the slot's
   * generation and its cell). Freeing a slot advances its generation, and an id with the new
   * generation is minted only when the slot is handed out again.
   */
  @Override
  public boolean isLive(long id) {
    int slot = slotOf(id);
    if ((id & ~((1L << TAG_SHIFT) - 1)) != tagBits || slot < 0 || slot >= highWater) {
      return false;
    }
    int[] h = header;
    int at = slot * W;
    return at + W <= h.length && h[at + SLOT_GEN] == generationOfId(id) && h[at + CELL_HI] >= 0;
  }

  /** For tests: the table slot {@code object}'s handle names, live or not. */
  static int tableSlotOf(HeapObject object) {
    return slotOf(((HeapRef) object).id);
  }

  /**
   * For tests: gives the free table slot {@code slot} the generation it would have after {@code
   * generation} reuses, so that the end of the generations is reached without 2^24 allocations. The
   * slot goes back to the free list (out of any magazine), on top.
   */
  void setFreeSlotGeneration(int slot, int generation) {
    if (generation == RETIRED) {
      throw new IllegalArgumentException("generation " + RETIRED + " is the retired slots' own");
    }
    lock.lock();
    try {
      Objects.checkIndex(slot, highWater);
      if (cellAt(slot) >= 0) {
        throw new IllegalStateException("table slot " + slot + " holds a live object");
      }
      for (Mutator m : safepoints.mutators()) {
        returnSlots(m);
      }
      header[slot * W + SLOT_GEN] = generation;
      for (int at = 0; at < freeTop; at++) {
        if (freeSlots[at] == slot) {
          freeSlots[at] = freeSlots[freeTop - 1];
          freeSlots[freeTop - 1] = slot;
          break;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Slot of a live id given by a collector; a dead one is a collector bug. */
  private int liveSlot(long id) {
    if (!isLive(id)) {
      throw new IllegalStateException(
          "object id " + Long.toHexString(id) + " is not live on this heap");
    }
    return slotOf(id);
  }

  /** Slot of a handle given by a program. */
  private int slotOf(HeapObject object) {
    Objects.requireNonNull(object, "object is null");
    if (!(object instanceof HeapRef ref) || ref.heap != this) {
      throw new AccessViolationException("object does not belong to this heap: " + object);
    }
    return checkedSlot(ref.id);
  }

  /**
   * Slot of an id given by a program: a null id, one this heap never issued, and a stale one each
   * get their own exception.
   */
  private int checkedSlot(long id) {
    int s = slotOf(id);
    if ((id & ~((1L << TAG_SHIFT) - 1)) == tagBits && s >= 0 && s < highWater) {
      int[] h = header;
      int at = s * W;
      if (at + W <= h.length && h[at + SLOT_GEN] == generationOfId(id) && h[at + CELL_HI] >= 0) {
        return s;
      }
      return staleOrForeign(id, s);
    }
    if (id == 0) {
      throw new NullPointerException("object id is null (0)");
    }
    throw new AccessViolationException(
        "object id " + Long.toHexString(id) + " was not issued by this heap");
  }

  private int staleOrForeign(long id, int s) {
    int[] h = header;
    int current = h[s * W + SLOT_GEN];
    int generation = generationOfId(id);
    if (Integer.compareUnsigned(generation, current) < 0) {
      throw new UseAfterFreeException("heap object was used after it was collected");
    }
    throw new AccessViolationException(
        "object id " + Long.toHexString(id) + " was not issued by this heap");
  }

  /**
   * Whether slot {@code s} still holds the object of {@code id} after a read without a lock: the
   * fence keeps the read before this check, and a grown table's old copy was poisoned.
   */
  private boolean stillHolds(int[] h, int s, long id) {
    VarHandle.loadLoadFence();
    return h == header && h[s * W + SLOT_GEN] == generationOfId(id);
  }

  /** {@code read} in a pause: the accessors that look at the heap's lists. */
  private long readLocked(LongSupplier read) {
    lock.lock();
    try {
      return read.getAsLong();
    } finally {
      lock.unlock();
    }
  }

  private <T> T underLock(Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("heap is closed");
    }
  }

  private static void checkShape(int referenceSlots, int dataBytes) {
    if (referenceSlots < 0 || referenceSlots > MAX_SLOTS) {
      throw new IllegalArgumentException(
          "referenceSlots must be between 0 and " + MAX_SLOTS + ", got " + referenceSlots);
    }
    if (dataBytes < 0 || dataBytes > MAX_DATA) {
      throw new IllegalArgumentException(
          "dataBytes must be between 0 and " + MAX_DATA + ", got " + dataBytes);
    }
  }

  // ------------------------------------------------------------------ allocation

  @Override
  public HeapObject allocate(int referenceSlots, int dataBytes) {
    return new HeapRef(this, allocateId(referenceSlots, dataBytes));
  }

  long allocateId(int referenceSlots, int dataBytesWanted) {
    checkShape(referenceSlots, dataBytesWanted);
    long bytes = Math.max(1, (long) referenceSlots * 8 + dataBytesWanted);
    long size = (long) referenceSlots * 8 + dataBytesWanted + HEADER_BYTES;
    // Lock order is collector, then heap (a collection holds its own lock and then stops the
    // world). So a thread asks for a collection, or calls the manager (whose out-of-memory chain
    // may collect), only at a safepoint ({@link Safepoints#blocking}); a cleanup callback that
    // allocates inside a pause never collects.
    boolean insidePause = safepoints.pausing();
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      if (!insidePause && !inCollection && ((m.budget -= size) < 0 || events.wantsCollection())) {
        if (collectionDue(m, size)) {
          safepoints.blocking(
              m,
              () -> {
                collectForThreshold();
                return null;
              });
          checkOpen();
        }
      }
      long address = takeCell(m, bytes, insidePause);
      int slot;
      try {
        slot = takeSlot(m);
      } catch (RuntimeException e) {
        synchronized (cells) {
          cells.free(address); // the cell was taken for this object: give it back
        }
        throw e;
      }
      int at = slot * W;
      int[] h = header;
      h[at + SHAPE] = referenceSlots; // generation 0, no extras
      h[at + DATA] = dataBytesWanted;
      h[at + MARK] = 0;
      h[at + COUNT] = 0;
      h[at + HOLDS] = 0;
      h[at + CELL_HI] = (int) (address >>> 32);
      h[at + CELL_LO] = (int) address;
      if (serial) {
        link(slot, 0);
        objects++;
        usedBytes += size;
      } else {
        m.addFresh(slot, size);
      }
      long id = tagBits | (long) h[at + SLOT_GEN] << SLOT_BITS | (slot + 1);
      HeapEvents ev = events;
      ev.onAllocate(id);
      if (m.depth > 0) {
        m.pushHeld(id);
        if (serial) {
          header[at + HOLDS]++;
        }
        ev.onRootAdded(id);
      }
      afterBarrier();
      return id;
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /**
   * Whether this thread's allocation of {@code size} bytes crosses the collection trigger; if not,
   * gives the thread a new budget: its share of half the room left below the trigger.
   */
  private boolean collectionDue(Mutator m, long size) {
    if (events.wantsCollection()) {
      return true;
    }
    long used = usedBytes();
    long room = nextTriggerBytes - used - size;
    if (room < 0) {
      return true;
    }
    m.budget = Math.max(HEADER_BYTES, room / (2L * Math.max(1, safepoints.mutators().size())));
    return false;
  }

  /** Runs a threshold collection and sets the next trigger (at a safepoint). */
  private void collectForThreshold() {
    tryCollect(CollectionCause.THRESHOLD);
    long used = usedBytes();
    nextTriggerBytes =
        Math.max(
            (long) (config.collectionThreshold() * capacityBytes()),
            used + (capacityBytes() - used) / 2);
  }

  private long takeCell(Mutator m, long bytes, boolean insidePause) {
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
      magazine = new long[Math.clamp(CELL_BATCH_BYTES / CellSpace.cellSize(c), 1, 32)];
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
    MemoryBlock block;
    try {
      block = safepoints.blocking(m, () -> manager.allocate(blockBytes));
    } catch (OutOfMemoryException e) {
      if (insidePause) {
        throw e;
      }
      RuntimeException collectorFault =
          safepoints.blocking(m, () -> tryCollect(CollectionCause.ALLOCATION_FAILURE));
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
      if (!closed) {
        return cells.adopt(block, bytes);
      }
    }
    manager.deallocate(block);
    checkOpen();
    throw new IllegalStateException("heap is closed");
  }

  /**
   * In a pause: every thread's magazines go back to the cell space, which then returns its empty
   * chunks to the manager; then a cell for {@code bytes}, or -1.
   */
  private long freeCellAfterCollection(long bytes) {
    lock.lock();
    try {
      checkOpen();
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
      lock.unlock();
    }
  }

  /** Gives back the cells in {@code m}'s magazines (in a pause, or on its own thread). */
  private void returnCells(Mutator m) {
    for (int c = 0; c < m.cells.length; c++) {
      while (m.cellTop[c] > 0) {
        cells.free(m.cells[c][--m.cellTop[c]]);
      }
    }
  }

  /** Gives back the slots in {@code m}'s magazine (in a pause). */
  private void returnSlots(Mutator m) {
    while (m.slotTop > 0) {
      freeSlots[freeTop++] = m.slots[--m.slotTop];
    }
  }

  private int takeSlot(Mutator m) {
    if (m.slotTop > 0) {
      return m.slots[--m.slotTop];
    }
    while (true) {
      synchronized (tableLock) {
        if (m.slots.length == 0) {
          m.slots = new int[SLOT_BATCH];
        }
        int n = 0;
        while (n < SLOT_BATCH && freeTop > 0) {
          m.slots[n++] = freeSlots[--freeTop];
        }
        while (n < SLOT_BATCH && highWater < tableCapacity()) {
          header[highWater * W + CELL_HI] = -1; // free until allocated: no pass may see it live
          m.slots[n++] = highWater++;
        }
        if (n > 0) {
          // Taken first, used first: the free list's top (the slot freed last) and low slots.
          for (int i = 0, j = n - 1; i < j; i++, j--) {
            int t = m.slots[i];
            m.slots[i] = m.slots[j];
            m.slots[j] = t;
          }
          m.slotTop = n - 1;
          return m.slots[n - 1];
        }
      }
      growTable();
    }
  }

  /**
   * Grows the object table, in a pause: readers that hold the old copy without a lock find its
   * generations poisoned ({@link #RETIRED}) and read again from the new one.
   */
  private void growTable() {
    lock.lock();
    try {
      checkOpen();
      if (freeTop > 0 || highWater < tableCapacity()) {
        return; // another thread grew it, or a pause freed slots, meanwhile
      }
      int n = grownTableCapacity(tableCapacity());
      int[] old = header;
      header = Arrays.copyOf(old, n * W);
      for (int at = 0; at < old.length; at += W) {
        old[at + SLOT_GEN] = RETIRED;
      }
      genLists.ensureCapacity(n);
      freeSlots = Arrays.copyOf(freeSlots, n);
    } finally {
      lock.unlock();
    }
  }

  /** The most slots the table can have: its records must fit one Java array, its ids 28 bits. */
  static final int MAX_TABLE_SLOTS = Integer.MAX_VALUE / W;

  /**
   * The table's next size after {@code slots} slots: double, up to {@link #MAX_TABLE_SLOTS}; when
   * it is there, allocation is refused (before any state changes) rather than overflowing the size.
   */
  static int grownTableCapacity(int slots) {
    if (slots >= MAX_TABLE_SLOTS) {
      throw new OutOfMemoryException(
          "the managed heap's object table is full: at most "
              + MAX_TABLE_SLOTS
              + " objects can be live at once",
          HEADER_BYTES,
          Priority.NORMAL,
          0,
          0,
          0);
    }
    return (int) Math.min((long) slots * 2, MAX_TABLE_SLOTS);
  }

  /**
   * At the start of a pause: links what {@code m} allocated since the last one into generation 0.
   */
  private void publishFresh(Mutator m) {
    for (int i = 0; i < m.freshTop; i++) {
      link(m.fresh[i], 0);
    }
    objects += m.freshTop;
    usedBytes += m.freshBytes;
    m.freshTop = 0;
    m.freshBytes = 0;
    m.budget = 0; // look at the trigger again after every pause
  }

  /** In a pause: a thread ended; its local roots go, and its magazines come back. */
  private void reap(Mutator m) {
    publishFresh(m);
    for (int i = 0; i < m.heldTop; i++) {
      long id = m.held[i];
      if (isLive(id)) {
        dropRootHold(slotOf(id), id);
      }
    }
    m.heldTop = 0;
    m.depth = 0;
    returnCells(m);
    returnSlots(m);
  }

  /**
   * One root hold fewer on table slot {@code s} (id {@code id}) from a scope, told to the
   * collector.
   */
  private void dropRootHold(int s, long id) {
    if (serial) {
      header[s * W + HOLDS]--;
    }
    events.onRootRemoved(id);
  }

  private void link(int slot, int gen) {
    graphVersion++;
    setGenerationAt(slot, gen);
    genLists.link(gen, slot);
  }

  private void unlink(int slot) {
    graphVersion++;
    int gen = generationAt(slot);
    if (sweepCursor[gen] >= 0) {
      // Keep a pending lazy sweep's range valid when one of its ends leaves the list.
      if (slot == sweepCursor[gen]) {
        sweepCursor[gen] = slot == sweepFence[gen] ? -1 : genLists.prev(slot);
      } else if (slot == sweepFence[gen]) {
        sweepFence[gen] = genLists.next(slot);
      }
    }
    genLists.unlink(gen, slot);
  }

  // ------------------------------------------------------------------ references

  @Override
  public void setReference(HeapObject object, int slot, HeapObject target) {
    long targetId = 0;
    if (target != null) {
      if (!(target instanceof HeapRef ref) || ref.heap != this) {
        throw new AccessViolationException("object does not belong to this heap: " + target);
      }
      targetId = ref.id;
    }
    slotOf(object); // a foreign handle is refused before anything is entered
    setId(((HeapRef) object).id, slot, targetId);
  }

  void setId(long object, int slot, long target) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = checkedSlot(object);
      Objects.checkIndex(slot, refSlotsAt(s));
      if (target != 0) {
        checkedSlot(target);
      }
      long address = cellAt(s);
      long at = (long) slot * 8;
      long oldId = cells.getLong(address, at);
      cells.setLong(address, at, target);
      if (serial) {
        graphVersion++;
      }
      if (writeBarrier) {
        events.onReferenceWrite(object, slot, oldId != 0 && isLive(oldId) ? oldId : 0, target);
        afterBarrier();
      }
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  @Override
  public HeapObject getReference(HeapObject object, int slot) {
    slotOf(object);
    long id = getId(((HeapRef) object).id, slot);
    return id == 0 ? null : new HeapRef(this, id);
  }

  long getId(long object, int slot) {
    if (safepoints.pauseRequested()) {
      safepoints.poll(safepoints.current());
    }
    while (true) {
      int[] h = header;
      int s = checkedSlot(object);
      int at = s * W;
      if (at + W > h.length) {
        continue; // read the field before the table grew
      }
      Objects.checkIndex(slot, h[at + SHAPE] & REFS_MASK);
      long value = readWord(cellIn(h, at), (long) slot * 8);
      if (stillHolds(h, s, object)) {
        return value != 0 && isLive(value) ? value : 0;
      }
    }
  }

  /**
   * The word at {@code offset} in the cell at {@code address}, read without a lock: 0 if the cell's
   * chunk went back to the manager meanwhile (the caller's {@link #stillHolds} then fails).
   */
  private long readWord(long address, long offset) {
    return cells.readLongRacing(address, offset, 8);
  }

  // ------------------------------------------------------------------ payload

  /** Where payload byte {@code offset} is in the cell, for an access of {@code length} bytes. */
  private long payloadAt(int[] h, int s, long offset, int length) {
    int at = s * W;
    Objects.checkFromIndexSize(offset, length, h[at + DATA]);
    return (long) (h[at + SHAPE] & REFS_MASK) * 8 + offset;
  }

  /** Reads a payload value of {@code length} bytes without a lock (see {@link #getId}). */
  long readPayload(long object, long offset, int length) {
    while (true) {
      int[] h = header;
      int s = checkedSlot(object);
      if (s * W + W > h.length) {
        continue;
      }
      long at = payloadAt(h, s, offset, length);
      long value = cells.readLongRacing(cellIn(h, s * W), at, length);
      if (stillHolds(h, s, object)) {
        return value;
      }
    }
  }

  /** Writes a payload value with this thread running, so no pause frees the object meanwhile. */
  void writePayload(long object, long offset, int length, long value) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = checkedSlot(object);
      long at = payloadAt(header, s, offset, length);
      long address = cellAt(s);
      switch (length) {
        case 1 -> cells.setByte(address, at, (byte) value);
        case 4 -> cells.setInt(address, at, (int) value);
        default -> cells.setLong(address, at, value);
      }
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /**
   * Runs {@code access} on the payload block with this thread running (for {@link PayloadBlock}).
   */
  <T> T withPayload(HeapRef ref, PayloadAccess<T> access) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      int s = slotOf(ref);
      long address = cellAt(s);
      return access.apply(
          cells.blockOf(address),
          CellSpace.offsetOf(address) + (long) refSlotsAt(s) * 8,
          header[s * W + DATA]);
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /** An access to a payload: its storage block, the payload's offset in it and its size. */
  interface PayloadAccess<T> {
    T apply(MemoryBlock storage, long base, long size);
  }

  // ------------------------------------------------------------------ roots

  @Override
  public void addRoot(HeapObject object) {
    slotOf(object);
    addRootId(((HeapRef) object).id);
  }

  void addRootId(long id) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = checkedSlot(id);
      synchronized (rootLock) {
        globalRoots.merge(id, 1, Integer::sum);
        header[s * W + HOLDS]++;
      }
      events.onRootAdded(id);
      afterBarrier();
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  @Override
  public boolean removeRoot(HeapObject object) {
    slotOf(object);
    return removeRootId(((HeapRef) object).id);
  }

  boolean removeRootId(long id) {
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = checkedSlot(id);
      synchronized (rootLock) {
        Integer holds = globalRoots.get(id);
        if (holds == null) {
          return false;
        }
        if (holds == 1) {
          globalRoots.remove(id);
        } else {
          globalRoots.put(id, holds - 1);
        }
        header[s * W + HOLDS]--;
      }
      events.onRootRemoved(id);
      afterBarrier();
      return true;
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  // ------------------------------------------------------------------ scopes

  @Override
  public HeapScope openScope() {
    Mutator m = safepoints.current();
    int depth = enterScope(m);
    return new Scope(m, depth, m.scopeSerials[depth - 1]);
  }

  private int enterScope(Mutator m) {
    checkOpen();
    safepoints.enterScope(m);
    return m.pushScope();
  }

  /** Closes the scope at {@code depth} of {@code m}, which must be its innermost. */
  private void exitScope(Mutator m, int depth, long scopeSerial) {
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
      if (serial || rootRemovedEvents) {
        for (int i = from; i < m.heldTop; i++) {
          long id = m.held[i];
          if (isLive(id)) {
            dropRootHold(slotOf(id), id);
          }
        }
      }
      m.heldTop = from;
      m.depth = depth - 1;
      m.scopeSerials[depth - 1] = 0;
      afterBarrier();
    } finally {
      if (entered) {
        safepoints.exitOperation(m, true);
      }
    }
    safepoints.exitScope(m);
  }

  /** Roots {@code id} in the scope at {@code depth} of this thread's mutator too. */
  private void holdIn(Mutator m, int depth, long scopeSerial, long id) {
    if (Thread.currentThread() != m.thread) {
      throw new IllegalStateException(
          "a scope is used only by the thread that opened it (" + m.thread.getName() + ")");
    }
    if (depth > m.depth || m.scopeSerials[depth - 1] != scopeSerial) {
      throw new IllegalStateException("scope is closed");
    }
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = checkedSlot(id);
      int at = depth == m.depth ? m.heldTop : m.marks[depth];
      m.pushHeld(0);
      System.arraycopy(m.held, at, m.held, at + 1, m.heldTop - 1 - at);
      m.held[at] = id;
      for (int k = depth; k < m.depth; k++) {
        m.marks[k]++;
      }
      if (serial) {
        header[s * W + HOLDS]++;
      }
      events.onRootAdded(id);
      afterBarrier();
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /** A thread's safepoint: stops here while a pause waits. */
  void poll() {
    safepoints.poll(safepoints.current());
  }

  // ------------------------------------------------------------------ weak refs, callbacks

  @Override
  public WeakHeapReference weakReference(HeapObject object) {
    slotOf(object);
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = slotOf(object);
      WeakRef ref = new WeakRef(idOf(s));
      synchronized (finalLock) {
        weakRefs.computeIfAbsent(s, k -> new ArrayList<>(1)).add(ref);
        setExtrasAt(s, extrasAt(s) | HAS_WEAK_REFS);
      }
      return ref;
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  @Override
  public void onCollect(HeapObject object, Runnable callback) {
    Objects.requireNonNull(callback, "callback is null");
    slotOf(object);
    Mutator m = safepoints.current();
    boolean entered = safepoints.enterOperation(m);
    try {
      checkOpen();
      int s = slotOf(object);
      synchronized (finalLock) {
        callbacks.computeIfAbsent(s, k -> new ArrayList<>(1)).add(callback);
        setExtrasAt(s, extrasAt(s) | HAS_CALLBACKS);
      }
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  // ------------------------------------------------------------------ figures

  @Override
  public long objectCount() {
    long n = objects;
    for (Mutator m : safepoints.mutators()) {
      n += m.freshTop;
    }
    return n;
  }

  @Override
  public long usedBytes() {
    long n = usedBytes;
    for (Mutator m : safepoints.mutators()) {
      n += m.freshBytes;
    }
    return n;
  }

  @Override
  public long capacityBytes() {
    return manager.pools().stream().mapToLong(p -> p.config().poolSize()).sum();
  }

  @Override
  public GarbageCollector collector() {
    return collector;
  }

  @Override
  public HeapRefs refs() {
    return refs;
  }

  /** Callback failures reported so far. */
  long callbackFailures() {
    return readLocked(() -> callbackFailures);
  }

  int referenceSlotsOf(HeapRef ref) {
    return header[slotOf(ref) * W + SHAPE] & REFS_MASK;
  }

  int dataBytesOf(HeapRef ref) {
    return header[slotOf(ref) * W + DATA];
  }

  int generationOf(HeapRef ref) {
    return generationAt(slotOf(ref));
  }

  MemoryBlock dataOf(HeapRef ref) {
    int size = dataBytesOf(ref);
    return new PayloadBlock(ref, size);
  }

  @Override
  public long trim() {
    lock.lock();
    try {
      if (closed) {
        return 0;
      }
      long held = cells.heldBytes();
      for (Mutator m : safepoints.mutators()) {
        returnCells(m);
      }
      cells.releaseEmptyChunks();
      return held - cells.heldBytes();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    // The collector's background thread is stopped first and outside any pause: it may be
    // waiting for a collection in flight whose pause waits for this one. Collections that still
    // start find the heap closed and do nothing ({@link #stopTheWorld}).
    collector.close();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      for (int s = 0; s < highWater; s++) {
        if (cellAt(s) >= 0) {
          header[s * W + HOLDS] = 0;
          free(idOf(s));
        }
      }
      for (Mutator m : safepoints.mutators()) {
        m.heldTop = 0;
        returnCells(m);
        returnSlots(m);
      }
      runPendingCallbacks();
      cells.close();
      globalRoots.clear();
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ HeapAccess

  @Override
  public int generations() {
    return generations;
  }

  @Override
  public void forEachRoot(LongConsumer visitor) {
    lock.lock();
    try {
      for (long id : globalRoots.keySet()) {
        visitor.accept(id);
      }
      for (Mutator m : safepoints.mutators()) {
        for (int i = 0; i < m.heldTop; i++) {
          long id = m.held[i];
          if (isLive(id)) {
            visitor.accept(id);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void forEachObject(LongConsumer visitor) {
    lock.lock();
    try {
      for (int s = 0; s < highWater; s++) {
        if (cellAt(s) >= 0) {
          visitor.accept(idOf(s));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void forEachObjectInGeneration(int gen, LongConsumer visitor) {
    Objects.checkIndex(gen, generations);
    lock.lock();
    try {
      int s = genLists.head(gen);
      while (s >= 0) {
        int next = genLists.next(s);
        visitor.accept(idOf(s));
        s = next;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long objectsInGeneration(int gen) {
    Objects.checkIndex(gen, generations);
    return readLocked(() -> genLists.count(gen));
  }

  @Override
  public int referenceSlots(long object) {
    return refSlotsAt(liveSlot(object));
  }

  /** The id stored in reference slot {@code slot} of the object in table slot {@code s}. */
  private long slotValue(int s, int slot) {
    return cells.getLong(cellAt(s), (long) slot * 8);
  }

  /**
   * The id in reference slot {@code slot} of table slot {@code s} if it names a live object, else 0
   * (a slot keeps the id of an object freed since it was written until it is written again).
   */
  private long liveChild(int s, int slot) {
    long id = slotValue(s, slot);
    return id != 0 && isLive(id) ? id : 0;
  }

  @Override
  public long reference(long object, int slot) {
    int s = liveSlot(object);
    Objects.checkIndex(slot, refSlotsAt(s));
    return liveChild(s, slot);
  }

  @Override
  public int references(long object, long[] into, int offset) {
    int s = liveSlot(object);
    Objects.checkIndex(offset, into.length + 1);
    int slots = refSlotsAt(s);
    if (into.length - offset < slots) {
      return -slots;
    }
    if (slots == 0) {
      return 0;
    }
    long address = cellAt(s);
    int at = offset;
    for (int i = 0; i < slots; i++) {
      long id = cells.getLong(address, (long) i * 8);
      if (id != 0 && isLive(id)) {
        into[at++] = id;
      }
    }
    return at - offset;
  }

  @Override
  public void addToReferencedCounts(int gen, int delta, int newMark) {
    Objects.checkIndex(gen, generations);
    lock.lock();
    try {
      requireNoLazySweep(gen);
      // The references are read here anyway, so joining the groups they link costs a union-find
      // step each; countGroups answers from that while nothing has changed since.
      int[] up = clearedGroupParents();
      long joins = 0;
      for (int s = genLists.head(gen); s >= 0; s = genLists.next(s)) {
        header[s * W + MARK] = newMark;
        for (int i = 0; i < refSlotsAt(s); i++) {
          long child = liveChild(s, i);
          if (child != 0) {
            int t = slotOf(child);
            header[t * W + COUNT] += delta;
            if (generationAt(t) == gen) {
              joins += join(up, s, t);
            }
          }
        }
      }
      passGen = gen;
      passMark = newMark;
      passGroups = genLists.count(gen) - joins;
      passVersion = ++graphVersion;
      startMarkLog(genLists.count(gen));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Advanced by every change to the graph: an object linked into or out of a generation, one freed,
   * a reference slot written. The groups a pass found stand while this has not moved (marks set
   * since are in {@link #markLog}). Advanced where those changes meet: {@link #link}, {@link
   * #unlink} (every free outside a whole-list sweep goes through it), {@link #sweepList} (which
   * empties a list without unlinking) and the reference write.
   */
  private long graphVersion;

  /**
   * The distinct slots whose mark {@link #setMark} changed since the last pass, so {@link
   * #countGroups} can tell which of the pass's groups now hold live objects; {@code logged} flags
   * the slots in it. The log stops (overflows) at a quarter of the generation: past that, counting
   * afresh costs no more than working from it.
   */
  private int[] markLog = new int[0];

  private int markLogSize;
  private boolean markLogOverflow = true;
  private boolean[] logged = new boolean[0];

  /**
   * Live members per group of the pass's forest, by representative, while {@link #countGroups}
   * works from the log; -1 marks a group that is partly live. Zero between calls.
   */
  private int[] groupTally = new int[0];

  /** A second union-find forest, for the partly live groups {@link #countGroups} counts again. */
  private int[] regroupParents = new int[0];

  /**
   * What the last {@link #addToReferencedCounts} found, for {@link #countGroups} to answer from
   * while {@link #graphVersion} is still {@code passVersion}: every object of {@code passGen} then
   * still carries {@code passMark} unless {@link #markLog} lists it, so with an empty log the
   * groups of those not live are all of its groups, or none. A cycle collector that finds nothing
   * held from outside (a heap that is all garbage) thus counts its groups at no cost; re-reading
   * every reference from pool memory, through a checked block and a liveness check per child, was
   * 10 of the 12 ms that count took on a million objects.
   */
  private int passGen = -1;

  private int passMark;
  private long passGroups;
  private long passVersion = -1;

  /**
   * Union-find forest of the pass and {@link #countGroups}, by table slot, kept between calls so a
   * collection of a large heap does not allocate it each time: a representative holds minus its
   * group's size, any other slot its parent's slot + 1.
   */
  private int[] groupParents = new int[0];

  @Override
  public long countGroups(int gen, int liveMark) {
    Objects.checkIndex(gen, generations);
    lock.lock();
    try {
      requireNoLazySweep(gen);
      // Reference writes move the version only in serial mode (in concurrent mode a counter
      // every writer bumps would be a line two cores fight over), so only there may it be trusted.
      if (serial && passGen == gen && passVersion == graphVersion && !markLogOverflow) {
        if (markLogSize == 0) {
          return passMark == liveMark ? 0 : passGroups;
        }
        if (passMark != liveMark) {
          return groupsFromPassAndMarks(gen, liveMark);
        }
      }
      return groupsAmong(gen, liveMark, clearedGroupParents(), null);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The groups after a pass when marks have changed since but the graph has not. Every member
   * carried the pass's mark, so the objects now live are exactly the logged ones with {@code
   * liveMark}. A group of the pass with none of them is still a group; one that is all live is
   * gone; only the groups that are partly live are counted again, by a walk that reads the
   * references of their members alone. A million garbage rings beside a rooted structure thus cost
   * a union-find step per live object, not a second read of every reference (12 ms).
   */
  private long groupsFromPassAndMarks(int gen, int liveMark) {
    int[] up = groupParents;
    if (groupTally.length < highWater) {
      groupTally = new int[tableCapacity()];
    }
    int[] tally = groupTally;
    long groups = passGroups;
    int partly = 0;
    // Tally the live objects of each group; the log's distinct slots make each count once.
    for (int k = 0; k < markLogSize; k++) {
      int s = markLog[k];
      if (generationAt(s) == gen && header[s * W + MARK] == liveMark) {
        tally[groupOf(up, s)]++;
      }
    }
    for (int k = 0; k < markLogSize; k++) {
      int s = markLog[k];
      if (generationAt(s) != gen || header[s * W + MARK] != liveMark) {
        continue;
      }
      int r = groupOf(up, s);
      if (tally[r] > 0) {
        groups--;
        if (tally[r] == -up[r]) {
          tally[r] = 0; // all live: the group is gone
        } else {
          tally[r] = -1; // partly live: counted again below
          partly++;
        }
      }
    }
    if (partly > 0) {
      if (regroupParents.length < highWater) {
        regroupParents = new int[tableCapacity()];
      }
      int[] again = regroupParents;
      Arrays.fill(again, 0, highWater, -1);
      groups += groupsAmong(gen, liveMark, again, up);
      for (int k = 0; k < markLogSize; k++) {
        int s = markLog[k];
        if (generationAt(s) == gen) {
          tally[groupOf(up, s)] = 0;
        }
      }
    }
    return groups;
  }

  /**
   * The groups the objects of {@code gen} not carrying {@code liveMark} make, joined in the cleared
   * forest {@code into}: every member starts as a group of its own and each reference between two
   * members of different groups joins them. With {@code partlyLiveIn}, only the members whose group
   * in that forest {@link #groupTally} marks partly live (-1) take part.
   */
  private long groupsAmong(int gen, int liveMark, int[] into, int[] partlyLiveIn) {
    long groups = 0;
    for (int s = genLists.head(gen); s >= 0; s = genLists.next(s)) {
      if (header[s * W + MARK] == liveMark
          || (partlyLiveIn != null && groupTally[groupOf(partlyLiveIn, s)] != -1)) {
        continue;
      }
      groups++;
      for (int i = 0; i < refSlotsAt(s); i++) {
        long child = liveChild(s, i);
        if (child != 0) {
          int t = slotOf(child);
          if (generationAt(t) == gen && header[t * W + MARK] != liveMark) {
            groups -= join(into, s, t);
          }
        }
      }
    }
    return groups;
  }

  /** Starts an empty {@link #markLog} sized for a quarter of {@code members}. */
  private void startMarkLog(long members) {
    for (int k = 0; k < markLogSize; k++) {
      logged[markLog[k]] = false;
    }
    markLogSize = 0;
    markLogOverflow = false;
    int capacity = (int) Math.max(1024, members / 4);
    if (markLog.length < capacity) {
      markLog = new int[capacity];
    }
    if (logged.length < tableCapacity()) {
      logged = new boolean[tableCapacity()];
    }
  }

  /**
   * Notes that the mark of {@code slot} changed since the pass. The marks that matter are set by
   * the collector between its pass and its count, inside one stop-the-world; a barrier greying
   * objects concurrently at other times can at worst make the log incomplete for a count that is
   * not called then, never index out of it.
   */
  private void logMark(int slot) {
    if (markLogOverflow || slot >= logged.length || logged[slot]) {
      return;
    }
    int n = markLogSize;
    if (n >= markLog.length) {
      markLogOverflow = true;
      return;
    }
    logged[slot] = true;
    markLog[n] = slot;
    markLogSize = n + 1;
  }

  /** {@link #groupParents}, grown to the table and with every slot a group of its own. */
  private int[] clearedGroupParents() {
    if (groupParents.length < highWater) {
      groupParents = new int[tableCapacity()];
    }
    Arrays.fill(groupParents, 0, highWater, -1);
    return groupParents;
  }

  /** Puts the groups of {@code s} and {@code t} together; 1 if they were two, else 0. */
  private static int join(int[] up, int s, int t) {
    int a = groupOf(up, s);
    int b = groupOf(up, t);
    if (a == b) {
      return 0;
    }
    // The lower slot leads, so trees of objects allocated in order stay shallow; it takes on the
    // other's size (both hold minus their sizes).
    if (a < b) {
      up[a] += up[b];
      up[b] = a + 1;
    } else {
      up[b] += up[a];
      up[a] = b + 1;
    }
    return 1;
  }

  /** The representative of {@code x}'s group, halving the path to it on the way. */
  private static int groupOf(int[] up, int x) {
    while (true) {
      int parent = up[x] - 1;
      if (parent < 0) {
        return x;
      }
      int grandparent = up[parent] - 1;
      if (grandparent < 0) {
        return parent;
      }
      up[x] = grandparent + 1;
      x = grandparent;
    }
  }

  @Override
  public long sizeBytes(long object) {
    int s = liveSlot(object);
    return (long) refSlotsAt(s) * 8 + header[s * W + DATA] + HEADER_BYTES;
  }

  @Override
  public int generation(long object) {
    return generationAt(liveSlot(object));
  }

  @Override
  public void setGeneration(long object, int gen) {
    Objects.checkIndex(gen, generations);
    lock.lock(); // joins the caller's pause; links objects allocated since the last one
    try {
      int s = liveSlot(object);
      if (generationAt(s) != gen) {
        unlink(s);
        link(s, gen);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int mark(long object) {
    return header[liveSlot(object) * W + MARK];
  }

  @Override
  public void setMark(long object, int value) {
    int s = liveSlot(object);
    if (header[s * W + MARK] != value) {
      header[s * W + MARK] = value;
      if (serial) {
        logMark(s); // only the reference-counting passes read the log (serial mode)
      }
    }
  }

  @Override
  public int referenceCount(long object) {
    return header[liveSlot(object) * W + COUNT];
  }

  @Override
  public void setReferenceCount(long object, int count) {
    header[liveSlot(object) * W + COUNT] = count;
  }

  @Override
  public int addToReferenceCount(long object, int delta) {
    return header[liveSlot(object) * W + COUNT] += delta;
  }

  @Override
  public long free(long object) {
    lock.lock();
    try {
      return freeSlot(liveSlot(object));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Swept sweep(int gen, int liveMark, int survivorGeneration, LongConsumer moved) {
    Objects.checkIndex(gen, generations);
    Objects.checkIndex(survivorGeneration, generations);
    Objects.requireNonNull(moved, "moved is null");
    lock.lock();
    try {
      requireNoLazySweep(gen);
      return sweepList(gen, liveMark, false, survivorGeneration, moved);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Walks the whole list of {@code gen} once: frees each object that is garbage (its mark is not
   * {@code liveMark}, or with {@code byDyingFlag} it carries {@link #DYING}) and moves the others
   * to {@code survivorGeneration}.
   */
  private Swept sweepList(
      int gen, int liveMark, boolean byDyingFlag, int survivorGeneration, LongConsumer moved) {
    graphVersion++;
    long freedObjects = 0;
    long freedBytes = 0;
    // The list is emptied at once; freed objects are dropped from it without unlinking each
    // from its neighbours, and the survivors, still chained in their order, are joined across
    // the gaps the garbage left and spliced onto the survivor generation (which may be this
    // one) in O(1). Per object that is a generation write and, after a gap, one join: a young
    // collection frees most of what it sweeps, a full one of a settled heap keeps most of it,
    // and one-by-one unlinking (of the garbage) or relinking (of survivors) was a third or more
    // of either.
    int s = genLists.detach(gen);
    int first = -1;
    int last = -1;
    long kept = 0;
    try {
      while (s >= 0) {
        int next = genLists.next(s);
        if (byDyingFlag ? (extrasAt(s) & DYING) != 0 : header[s * W + MARK] != liveMark) {
          freedBytes += discard(s);
          freedObjects++;
        } else {
          setGenerationAt(s, survivorGeneration);
          if (last < 0) {
            first = s;
          } else if (genLists.next(last) != s) {
            genLists.join(last, s);
          }
          last = s;
          kept++;
          if (survivorGeneration != gen) {
            moved.accept(idOf(s));
          }
        }
        s = next;
      }
    } catch (RuntimeException e) {
      // A refused free (a rooted object: a collector bug) or a throwing `moved`: what was not
      // reached yet goes back on its list, so no object is lost from the heap's books. (An
      // object already kept is in the survivor chain, spliced below.)
      if (s >= 0 && s == last) {
        s = genLists.next(s);
      }
      while (s >= 0) {
        int next = genLists.next(s);
        link(s, gen);
        s = next;
      }
      throw e;
    } finally {
      if (last >= 0) {
        genLists.spliceAtHead(survivorGeneration, first, last, kept);
      }
      usedBytes -= freedBytes;
      objects -= freedObjects;
    }
    return new Swept(freedObjects, freedBytes, survivorGeneration != gen ? kept : 0);
  }

  @Override
  public Swept freeAll(long[] ids, int count) {
    Objects.checkFromIndexSize(0, count, ids.length);
    lock.lock();
    try {
      int[] perGeneration = new int[generations];
      int checked = 0;
      try {
        for (; checked < count; checked++) {
          int s = liveSlot(ids[checked]);
          requireUnrooted(s);
          if ((extrasAt(s) & DYING) != 0) {
            throw new IllegalStateException(
                "object id " + Long.toHexString(ids[checked]) + " is listed twice");
          }
          setExtrasAt(s, extrasAt(s) | DYING);
          perGeneration[generationAt(s)]++;
        }
      } catch (RuntimeException e) {
        for (int k = 0; k < checked; k++) {
          int listed = slotOf(ids[k]);
          setExtrasAt(listed, extrasAt(listed) & ~DYING);
        }
        throw e;
      }
      long freedObjects = 0;
      long freedBytes = 0;
      boolean oneByOne = false;
      for (int g = 0; g < generations; g++) {
        if (perGeneration[g] == 0) {
          continue;
        }
        // Walking the whole list costs O(its length); unlinking one by one costs more per object
        // but only for the objects freed. Past half of the list, the walk is cheaper.
        if ((long) perGeneration[g] * 2 >= genLists.count(g) && sweepCursor[g] < 0) {
          Swept swept = sweepList(g, 0, true, g, id -> {});
          freedObjects += swept.objects();
          freedBytes += swept.bytes();
        } else {
          oneByOne = true;
        }
      }
      // Only a generation that was not walked leaves listed objects live: a second pass over the
      // ids would otherwise check a million dead ones for nothing.
      for (int i = 0; oneByOne && i < count; i++) {
        if (isLive(ids[i])) {
          freedBytes += freeSlot(slotOf(ids[i]));
          freedObjects++;
        }
      }
      return new Swept(freedObjects, freedBytes, 0);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void beginSweep(int gen, int liveMark, int survivorGeneration) {
    Objects.checkIndex(gen, generations);
    Objects.checkIndex(survivorGeneration, generations);
    lock.lock();
    try {
      requireNoLazySweep(gen);
      if (genLists.head(gen) < 0) {
        return;
      }
      sweepCursor[gen] = genLists.tail(gen);
      sweepFence[gen] = genLists.head(gen);
      sweepLiveMark[gen] = liveMark;
      sweepSurvivorGen[gen] = survivorGeneration;
      if (!weakRefs.isEmpty()) {
        for (Map.Entry<Integer, List<WeakRef>> entry : weakRefs.entrySet()) {
          int s = entry.getKey();
          if (generationAt(s) == gen && header[s * W + MARK] != liveMark) {
            for (WeakRef ref : entry.getValue()) {
              ref.cleared = true;
            }
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Swept sweepSome(int gen, int maxObjects) {
    Objects.checkIndex(gen, generations);
    if (maxObjects <= 0) {
      throw new IllegalArgumentException("maxObjects must be positive, got " + maxObjects);
    }
    return underLock(() -> sweepSomeLocked(gen, maxObjects));
  }

  private Swept sweepSomeLocked(int gen, int maxObjects) {
    long freedObjects = 0;
    long freedBytes = 0;
    long moved = 0;
    int liveMark = sweepLiveMark[gen];
    int survivorGen = sweepSurvivorGen[gen];
    for (int n = 0; n < maxObjects && sweepCursor[gen] >= 0; n++) {
      int s = sweepCursor[gen];
      if (header[s * W + MARK] != liveMark) {
        freedObjects++;
        freedBytes += freeSlot(s); // its unlink moves the cursor on
      } else if (survivorGen != gen) {
        // Linked at the survivor list's head: past the fence of any sweep pending there.
        unlink(s); // moves the cursor on
        link(s, survivorGen);
        moved++;
      } else {
        sweepCursor[gen] = s == sweepFence[gen] ? -1 : genLists.prev(s);
      }
    }
    return new Swept(freedObjects, freedBytes, moved);
  }

  /** A new sweep judges marks afresh; the pending one judged older marks, so it must end first. */
  private void requireNoLazySweep(int gen) {
    if (sweepCursor[gen] >= 0) {
      throw new IllegalStateException(
          "a lazy sweep of generation "
              + gen
              + " is still pending; finish it with sweepSome before sweeping it again");
    }
  }

  @Override
  public boolean sweepPending(int gen) {
    Objects.checkIndex(gen, generations);
    return underLock(() -> sweepCursor[gen] >= 0);
  }

  private long freeSlot(int s) {
    long bytes = discard(s); // checks first, so a refused free changes nothing
    usedBytes -= bytes;
    unlink(s);
    objects--;
    return bytes;
  }

  /** A root is never garbage: freeing one is a collector bug, refused before anything changes. */
  private void requireUnrooted(int s) {
    if (header[s * W + HOLDS] > 0) {
      throw new IllegalStateException(
          "collector tried to free a rooted object (" + header[s * W + HOLDS] + " root holds)");
    }
  }

  /**
   * Gives back the storage and the slot of {@code s}, which is in no list, and returns its bytes;
   * the caller adjusts {@link #usedBytes} and {@link #objects}.
   */
  private long discard(int s) {
    requireUnrooted(s);
    if ((extrasAt(s) & (HAS_CALLBACKS | HAS_WEAK_REFS)) != 0) {
      List<Runnable> cleanups = callbacks.remove(s);
      if (cleanups != null) {
        pendingCallbacks.addAll(cleanups);
      }
      List<WeakRef> weak = weakRefs.remove(s);
      if (weak != null) {
        for (WeakRef ref : weak) {
          ref.cleared = true;
        }
      }
    }
    setExtrasAt(s, 0);
    cells.free(cellAt(s));
    setCellAt(s, -1);
    if (++header[s * W + SLOT_GEN] != RETIRED) {
      freeSlots[freeTop++] = s;
    }
    return (long) refSlotsAt(s) * 8 + header[s * W + DATA] + HEADER_BYTES;
  }

  @Override
  public <T> java.util.Optional<T> capability(Class<T> type) {
    if (type == ReferenceCountPasses.class && countsReferences) {
      return java.util.Optional.of(type.cast(this));
    }
    return java.util.Optional.empty();
  }

  @Override
  public void install(HeapEvents newEvents) {
    Objects.requireNonNull(newEvents, "events is null");
    lock.lock();
    try {
      this.events = newEvents;
      this.rootRemovedEvents = overrides(newEvents, "onRootRemoved");
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether {@code events} has its own {@code name(long)}, so calls to it may be skipped if not.
   */
  private static boolean overrides(HeapEvents events, String name) {
    try {
      return events.getClass().getMethod(name, long.class).getDeclaringClass() != HeapEvents.class;
    } catch (NoSuchMethodException e) {
      return true;
    }
  }

  @Override
  public long stopTheWorld(Runnable work) {
    lock.lock();
    // The pause mutators see starts once they are all stopped, not while this thread waits.
    long started = System.nanoTime();
    boolean outer = !inCollection;
    try {
      inCollection = true;
      if (!closed) {
        work.run();
      }
    } finally {
      if (outer) {
        inCollection = false;
        runPendingCallbacks();
      }
      lock.unlock();
    }
    return System.nanoTime() - started;
  }

  /**
   * Ends a mutator operation whose barrier may have freed objects (reference counting frees in its
   * barrier): their cleanup callbacks run now, with the lock held, as they do at a pause's end.
   */
  private void afterBarrier() {
    if (serial && !pendingCallbacks.isEmpty() && !inCollection) {
      runPendingCallbacks();
    }
  }

  /**
   * True while {@link #runPendingCallbacks} runs, so that one a callback's allocation reaches
   * returns at once: the outer loop runs what the callback added.
   */
  private boolean runningCallbacks;

  private void runPendingCallbacks() {
    if (runningCallbacks) {
      return;
    }
    runningCallbacks = true;
    try {
      drainPendingCallbacks();
    } finally {
      runningCallbacks = false;
    }
  }

  private void drainPendingCallbacks() {
    while (!pendingCallbacks.isEmpty()) {
      List<Runnable> batch = new ArrayList<>(pendingCallbacks);
      pendingCallbacks.clear();
      for (Runnable callback : batch) {
        try {
          callback.run();
        } catch (RuntimeException e) {
          callbackFailures++;
          LOG.log(System.Logger.Level.WARNING, "cleanup callback failed; collection continues", e);
        }
      }
    }
  }

  /** Checks header fields against the graph; returns problems (the invariant checker calls it). */
  @Override
  public List<String> verifyIntegrity() {
    List<String> problems = new ArrayList<>(heapIntegrity());
    problems.addAll(collector.verifyIntegrity());
    return problems;
  }

  private List<String> heapIntegrity() {
    lock.lock();
    try {
      List<String> problems = new ArrayList<>();
      long counted = 0;
      for (int g = 0; g < generations; g++) {
        long n = 0;
        long cursorAt = -1;
        long fenceAt = -1;
        boolean whole = true;
        for (int s = genLists.head(g); s >= 0; s = genLists.next(s)) {
          if (cellAt(s) < 0 || generationAt(s) != g) {
            problems.add("generation list " + g + " holds slot " + s + " wrongly");
            whole = false;
            break;
          }
          if (s == sweepCursor[g]) {
            cursorAt = n;
          }
          if (s == sweepFence[g]) {
            fenceAt = n;
          }
          n++;
        }
        if (n != genLists.count(g)) {
          problems.add("generation " + g + " counts " + genLists.count(g) + " but lists " + n);
        }
        if (whole && sweepCursor[g] >= 0) {
          verifyLazySweep(g, cursorAt, fenceAt, problems);
        }
        counted += n;
      }
      if (counted != objects) {
        problems.add("heap counts " + objects + " objects but generation lists hold " + counted);
      }
      long inMagazines = 0;
      for (Mutator m : safepoints.mutators()) {
        for (int top : m.cellTop) {
          inMagazines += top;
        }
      }
      problems.addAll(cells.verify(objects + inMagazines));
      return problems;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A pending lazy sweep of {@code gen} walks from its cursor towards the head and stops at its
   * fence, so both must be on the list (positions counted from the head) with the fence not past
   * the cursor; {@link #unlink} moves them on when their objects leave. Otherwise a step would read
   * the links of a freed slot, or run past the objects the sweep began with.
   */
  private void verifyLazySweep(int gen, long cursorAt, long fenceAt, List<String> problems) {
    if (cursorAt < 0 || fenceAt < 0) {
      problems.add(
          "the lazy sweep of generation "
              + gen
              + " has its "
              + (cursorAt < 0
                  ? "cursor at slot " + sweepCursor[gen]
                  : "fence at slot " + sweepFence[gen])
              + ", which is not on that generation's list");
    } else if (fenceAt > cursorAt) {
      problems.add(
          "the lazy sweep of generation "
              + gen
              + " has its fence (slot "
              + sweepFence[gen]
              + ") past its cursor (slot "
              + sweepCursor[gen]
              + "), so it would run beyond the objects it began with");
    }
  }

  /**
   * For tests: points the pending lazy sweep of {@code gen} at other slots, as a bug that forgot to
   * move them on would.
   */
  void setLazySweepRange(int gen, int cursor, int fence) {
    lock.lock();
    try {
      sweepCursor[gen] = cursor;
      sweepFence[gen] = fence;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs a collection the heap itself asked for. A collector plugin that throws must not take
   * allocation down with it: the fault is logged and returned, and allocation goes on (a failed
   * allocation then reports it as suppressed). Collections a program asks for directly still throw.
   */
  private RuntimeException tryCollect(CollectionCause cause) {
    try {
      collector.collect(cause);
      return null;
    } catch (RuntimeException e) {
      System.getLogger("omega.gc")
          .log(
              System.Logger.Level.WARNING,
              "collector " + collector.name() + " threw during a " + cause + " collection",
              e);
      return e;
    }
  }

  // ------------------------------------------------------------------ scope, weak ref, ids

  /** A scope opened with {@link #openScope}; see {@link HeapScope}. */
  private final class Scope implements HeapScope {
    final Mutator mutator;
    final int depth;
    final long scopeSerial;
    boolean closed;

    Scope(Mutator mutator, int depth, long scopeSerial) {
      this.mutator = mutator;
      this.depth = depth;
      this.scopeSerial = scopeSerial;
    }

    OffHeapManagedHeap heap() {
      return OffHeapManagedHeap.this;
    }

    @Override
    public HeapObject hold(HeapObject object) {
      slotOf(object);
      if (closed) {
        throw new IllegalStateException("scope is closed");
      }
      holdIn(mutator, depth, scopeSerial, ((HeapRef) object).id);
      return object;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      exitScope(mutator, depth, scopeSerial);
      closed = true;
    }
  }

  private final class WeakRef implements WeakHeapReference {
    final long id;
    volatile boolean cleared;

    WeakRef(long id) {
      this.id = id;
    }

    /** With this thread running, so a pause that clears it is not under way. */
    @Override
    public HeapObject get() {
      Mutator m = safepoints.current();
      boolean entered = safepoints.enterOperation(m);
      try {
        return cleared || !isLive(id) ? null : new HeapRef(OffHeapManagedHeap.this, id);
      } finally {
        safepoints.exitOperation(m, entered);
      }
    }
  }

  /** The pause that the collector-facing passes begin where they used to take the heap lock. */
  final class PauseLock {
    void lock() {
      safepoints.beginPause();
    }

    void unlock() {
      safepoints.endPause();
    }

    boolean isHeldByCurrentThread() {
      return safepoints.pausing();
    }
  }

  /** {@link HeapRefs} over this heap: every call goes to the id-based paths above. */
  private final class IdRefs implements HeapRefs {
    @Override
    public long allocate(int referenceSlots, int dataBytes) {
      return allocateId(referenceSlots, dataBytes);
    }

    @Override
    public long get(long object, int slot) {
      return getId(object, slot);
    }

    @Override
    public void set(long object, int slot, long target) {
      setId(object, slot, target);
    }

    @Override
    public int referenceSlots(long object) {
      int s = checkedSlot(object);
      return header[s * W + SHAPE] & REFS_MASK;
    }

    @Override
    public int dataBytes(long object) {
      int s = checkedSlot(object);
      return header[s * W + DATA];
    }

    @Override
    public long getLong(long object, int offset) {
      return readPayload(object, offset, 8);
    }

    @Override
    public void setLong(long object, int offset, long value) {
      writePayload(object, offset, 8, value);
    }

    @Override
    public int getInt(long object, int offset) {
      return (int) readPayload(object, offset, 4);
    }

    @Override
    public void setInt(long object, int offset, int value) {
      writePayload(object, offset, 4, value);
    }

    @Override
    public byte getByte(long object, int offset) {
      return (byte) readPayload(object, offset, 1);
    }

    @Override
    public void setByte(long object, int offset, byte value) {
      writePayload(object, offset, 1, value);
    }

    @Override
    public boolean isLive(long object) {
      return OffHeapManagedHeap.this.isLive(object);
    }

    @Override
    public void addRoot(long object) {
      addRootId(object);
    }

    @Override
    public boolean removeRoot(long object) {
      return removeRootId(object);
    }

    @Override
    public long hold(HeapScope scope, long object) {
      Objects.requireNonNull(scope, "scope is null");
      if (!(scope instanceof Scope own) || own.heap() != OffHeapManagedHeap.this) {
        throw new AccessViolationException("scope does not belong to this heap: " + scope);
      }
      if (own.closed) {
        throw new IllegalStateException("scope is closed");
      }
      holdIn(own.mutator, own.depth, own.scopeSerial, object);
      return object;
    }

    @Override
    public int enterScope() {
      return OffHeapManagedHeap.this.enterScope(safepoints.current());
    }

    @Override
    public void exitScope(int token) {
      Mutator m = safepoints.current();
      if (token < 1 || token > m.depth) {
        throw new IllegalStateException(
            "scope token " + token + " is not open on this thread (open scopes: " + m.depth + ")");
      }
      OffHeapManagedHeap.this.exitScope(m, token, m.scopeSerials[token - 1]);
    }

    @Override
    public void poll() {
      OffHeapManagedHeap.this.poll();
    }

    @Override
    public HeapObject handle(long object) {
      checkedSlot(object);
      return new HeapRef(OffHeapManagedHeap.this, object);
    }

    @Override
    public long id(HeapObject object) {
      slotOf(object);
      return ((HeapRef) object).id;
    }
  }
}
