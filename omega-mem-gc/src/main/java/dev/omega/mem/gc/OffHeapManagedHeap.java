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
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.WeakHeapReference;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.HeapEvents;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The managed heap: an object graph whose slots and payloads live in pool memory.
 *
 * <p>Design note. Terms: an object's <em>id</em> is {@code (slotGeneration << 32) | (slot + 1)}; 0
 * is null. Layout:
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
 * the same object (allocation writes six, a sweep reads six, a count pass reads three of each
 * child), and with one array per field each was a cache line and an array bounds check of its own
 * (the bounds checks were the hottest instructions of the sweep). A slot's generation moves on when
 * its object is freed, which makes every old handle and id stale. Per-object cost: 16 bytes counted
 * as header.
 *
 * <p>Generations never wrap. A 32-bit generation that wrapped after 2^32 reuses of a slot would
 * make the handles and ids of the slot's first objects match again, and reach whatever lives there.
 * Generation {@link #RETIRED} (-1, the last value) is never handed out: when freeing an object
 * takes its slot there, the slot is retired, kept out of the free list for good, and no id can
 * match it. A 64-bit generation would need a wider id or a wider record, and a wider compare in
 * every {@link #isLive} check; retiring costs one compare when a slot is freed and nothing on the
 * mutator path (allocation pops a free slot and the liveness check reads one int, as before). What
 * it costs in memory is one 32-byte record per 2^32 - 1 objects a slot has held.
 *
 * <p>Concurrency scheme: one lock ({@link #lock}) is the mutator lock. Every mutator operation
 * (allocate, reference read and write, roots, closing a scope) holds it briefly, once, and barriers
 * run under it. Opening a scope does not: an empty scope roots nothing, and the lock taken to put
 * an object in it publishes it ({@link ScopeStack}). Each hold is a CAS and a fenced release; two
 * holds fewer per node took 10–15 % off building trees of depth 10 (JMH, mark-sweep), though the
 * full binary-trees figure at depth 20 moved only for the generational collector. A collector that
 * needs a still graph runs inside {@link #stopTheWorld}, which holds the same lock: the safepoint
 * is "between two heap operations". Incremental collectors take the lock only for a bounded step
 * and rely on their barrier between steps. Cleanup callbacks of freed objects run at the end of the
 * pause, after the collector's work, with the lock held (re-entrant), so one may allocate; an
 * exception from one is counted and reported, and the collection goes on. Objects a collector frees
 * in a barrier (reference counting's prompt frees) have theirs run the same way at the end of that
 * mutator operation.
 *
 * <p>Thread safety: thread-safe; scopes are confined to the thread that opened them.
 */
final class OffHeapManagedHeap implements ManagedHeap, HeapAccess {
  private static final System.Logger LOG = System.getLogger("omega.gc");
  static final int HEADER_BYTES = 16;
  static final int MAX_SLOTS = 1 << 16;
  static final int MAX_DATA = 1 << 30;

  final ReentrantLock lock = new ReentrantLock();
  private final MemoryManager manager;
  private final GarbageCollectorConfig config;
  private final int generations;
  private final GarbageCollector collector;
  private HeapEvents events = new HeapEvents() {};

  /**
   * The object table: {@link #W} ints per slot, one record per object, so that allocating, marking
   * and sweeping an object touch one or two cache lines rather than one per field. Fields, by
   * offset: {@link #SLOT_GEN}, {@link #SHAPE}, {@link #DATA}, {@link #MARK}, {@link #COUNT}, {@link
   * #HOLDS}, {@link #CELL_HI} and {@link #CELL_LO}. Read under the lock, except the slot's
   * generation, which {@link #isLive} reads without it.
   */
  private int[] header = new int[1024 * W];

  /** Ints per slot in {@link #header}: 32 bytes. */
  private static final int W = 8;

  /** The slot's generation: advanced when its object is freed, so old ids and handles go stale. */
  private static final int SLOT_GEN = 0;

  /**
   * The slot generation of a retired slot, never given to an object: a slot that reaches it is
   * never reused, so generations do not wrap back to those of ids still held (see the class note).
   */
  static final int RETIRED = -1;

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
  private int[] freeSlots = new int[1024];
  private int freeTop;

  private long objects;
  private long usedBytes;
  private long nextTriggerBytes;
  private boolean inCollection;

  /** Volatile: {@link #openScope} reads it without the lock. */
  private volatile boolean closed;

  private final Map<Long, Integer> globalRoots = new HashMap<>();

  /** Every thread's stack of open scopes, registered on the thread's first use (under the lock). */
  private final List<ScopeStack> scopeStacks = new ArrayList<>();

  /** This thread's stack of open scopes; null until it opens its first. */
  private final ThreadLocal<ScopeStack> scopes = new ThreadLocal<>();

  private final Map<Integer, List<Runnable>> callbacks = new HashMap<>();
  private final Map<Integer, List<WeakRef>> weakRefs = new HashMap<>();
  private final List<Runnable> pendingCallbacks = new ArrayList<>();
  private long callbackFailures;

  OffHeapManagedHeap(
      GarbageCollectorConfig config, MemoryManager manager, GarbageCollectorProvider provider) {
    this.config = Objects.requireNonNull(config, "config is null");
    this.manager = Objects.requireNonNull(manager, "manager is null");
    this.generations = config.generationalCount();
    this.genLists = new IndexLists(generations, 1024);
    this.sweepCursor = new int[generations];
    this.sweepFence = new int[generations];
    this.sweepLiveMark = new int[generations];
    this.sweepSurvivorGen = new int[generations];
    Arrays.fill(sweepCursor, -1);
    this.nextTriggerBytes = (long) (config.collectionThreshold() * capacityBytes());
    this.cells = new CellSpace(manager, capacityBytes());
    this.collector =
        Objects.requireNonNull(provider, "collector provider is null").create(config, this);
  }

  // ------------------------------------------------------------------ ids and validation

  private static int slotOf(long id) {
    return (int) (id & 0xFFFF_FFFFL) - 1;
  }

  private long idOf(int slot) {
    return ((long) header[slot * W + SLOT_GEN] << 32) | (slot + 1);
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
    return ((long) header[s * W + CELL_HI] << 32) | (header[s * W + CELL_LO] & 0xFFFF_FFFFL);
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
   * One read: freeing a slot advances its generation, and an id with the new generation is minted
   * only when the slot is handed out again, so a matching generation means live. It shares the
   * slot's record (and mostly its cache line) with the fields the SPI call that validates the id
   * goes on to read.
   */
  @Override
  public boolean isLive(long id) {
    int slot = slotOf(id);
    return slot >= 0 && slot < highWater && header[slot * W + SLOT_GEN] == (int) (id >>> 32);
  }

  /** For tests: the table slot {@code object}'s handle names, live or not. */
  static int tableSlotOf(HeapObject object) {
    return slotOf(((HeapRef) object).id);
  }

  /**
   * For tests: gives the free table slot {@code slot} the generation it would have after {@code
   * generation} reuses, so that the end of the generations is reached without 2^32 allocations.
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
      header[slot * W + SLOT_GEN] = generation;
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
    if (!isLive(ref.id)) {
      throw new UseAfterFreeException("heap object was used after it was collected");
    }
    return slotOf(ref.id);
  }

  /** {@code read} under the heap lock: the accessors that only look. */
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

  // ------------------------------------------------------------------ ManagedHeap

  @Override
  public HeapObject allocate(int referenceSlots, int dataBytesWanted) {
    if (referenceSlots < 0 || referenceSlots > MAX_SLOTS) {
      throw new IllegalArgumentException(
          "referenceSlots must be between 0 and " + MAX_SLOTS + ", got " + referenceSlots);
    }
    if (dataBytesWanted < 0 || dataBytesWanted > MAX_DATA) {
      throw new IllegalArgumentException(
          "dataBytes must be between 0 and " + MAX_DATA + ", got " + dataBytesWanted);
    }
    long bytes = Math.max(1, (long) referenceSlots * 8 + dataBytesWanted);
    // Lock order is collector, then heap (a collection holds its own lock and stops the world by
    // taking the heap lock). So this thread must not ask for a collection, or take a block from the
    // manager (whose out-of-memory chain may collect), while it holds the heap lock; only a cleanup
    // callback running inside a pause allocates re-entrantly, and it never collects.
    boolean insidePause = lock.isHeldByCurrentThread();
    // One lock round trip on the common path: the trigger is checked in the same hold that takes
    // the cell (each round trip is a CAS and a fenced release; see the class note).
    boolean due;
    lock.lock();
    try {
      checkOpen();
      due = !insidePause && collectionDue(bytes);
      if (!due) {
        long address = cells.tryAllocate(bytes);
        if (address >= 0) {
          return newObject(address, referenceSlots, dataBytesWanted);
        }
      }
    } finally {
      lock.unlock();
    }
    if (due) {
      collectForThreshold();
      HeapObject object = fromFreeCell(bytes, referenceSlots, dataBytesWanted, false);
      if (object != null) {
        return object;
      }
    }
    return allocateWithNewBlock(bytes, referenceSlots, dataBytesWanted, insidePause);
  }

  /**
   * Under the lock: a new object in a free cell, or null when none is free (after giving the chunks
   * with no live cell back to the manager, if {@code releaseEmpty}).
   */
  private HeapObject fromFreeCell(
      long bytes, int referenceSlots, int dataBytesWanted, boolean releaseEmpty) {
    lock.lock();
    try {
      checkOpen();
      long address = cells.tryAllocate(bytes);
      if (address >= 0) {
        return newObject(address, referenceSlots, dataBytesWanted);
      }
      if (releaseEmpty) {
        cells.releaseEmptyChunks();
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The slow path: no cell was free, so a chunk (or, for a large object, its own block) comes from
   * the manager. If the manager is out of memory, one collection runs (outside a pause); then the
   * freed cells, and the chunks the collection emptied, are tried before the manager again.
   */
  private HeapObject allocateWithNewBlock(
      long bytes, int referenceSlots, int dataBytesWanted, boolean insidePause) {
    long blockBytes = cells.blockBytesFor(bytes);
    MemoryBlock block;
    try {
      block = manager.allocate(blockBytes);
    } catch (OutOfMemoryException e) {
      if (insidePause) {
        throw e;
      }
      RuntimeException collectorFault = tryCollect(CollectionCause.ALLOCATION_FAILURE);
      HeapObject object = fromFreeCell(bytes, referenceSlots, dataBytesWanted, true);
      if (object != null) {
        return object;
      }
      try {
        block = manager.allocate(blockBytes);
      } catch (OutOfMemoryException again) {
        if (collectorFault != null) {
          again.addSuppressed(collectorFault);
        }
        throw again;
      }
    }
    lock.lock();
    try {
      if (closed) {
        manager.deallocate(block);
        checkOpen();
      }
      return newObject(cells.adopt(block, bytes), referenceSlots, dataBytesWanted);
    } finally {
      lock.unlock();
    }
  }

  /** Gives the cell at {@code address} a table slot and an id. Called with the lock held. */
  private HeapObject newObject(long address, int referenceSlots, int dataBytesWanted) {
    int slot;
    if (freeTop > 0) {
      slot = freeSlots[--freeTop];
    } else {
      try {
        slot = newSlot();
      } catch (OutOfMemoryException e) {
        cells.free(address); // the cell was taken for this object: give it back
        throw e;
      }
    }
    int at = slot * W;
    header[at + SHAPE] = referenceSlots; // generation 0, no extras
    header[at + DATA] = dataBytesWanted;
    header[at + MARK] = 0;
    header[at + COUNT] = 0;
    header[at + HOLDS] = 0;
    setCellAt(slot, address);
    link(slot, 0);
    objects++;
    usedBytes += (long) referenceSlots * 8 + dataBytesWanted + HEADER_BYTES;
    long id = idOf(slot);
    events.onAllocate(id);
    ScopeStack stack = scopes.get();
    Scope scope = stack == null ? null : stack.innermost();
    if (scope != null) {
      scope.ids.push(id);
      addRootHold(slot, id);
    }
    afterBarrier();
    return new HeapRef(this, id);
  }

  /**
   * One more root hold on table slot {@code s} (id {@code id}), told to the collector. Lock held.
   */
  private void addRootHold(int s, long id) {
    header[s * W + HOLDS]++;
    events.onRootAdded(id);
  }

  /** One root hold fewer on table slot {@code s} (id {@code id}), told to the collector. */
  private void dropRootHold(int s, long id) {
    header[s * W + HOLDS]--;
    events.onRootRemoved(id);
  }

  /** Whether an allocation of {@code bytes} crosses the collection trigger. Lock held. */
  private boolean collectionDue(long bytes) {
    return !inCollection
        && (usedBytes + bytes + HEADER_BYTES > nextTriggerBytes || events.wantsCollection());
  }

  /** Runs a threshold collection and sets the next trigger (heap lock not held). */
  private void collectForThreshold() {
    tryCollect(CollectionCause.THRESHOLD);
    lock.lock();
    try {
      nextTriggerBytes =
          Math.max(
              (long) (config.collectionThreshold() * capacityBytes()),
              usedBytes + (capacityBytes() - usedBytes) / 2);
    } finally {
      lock.unlock();
    }
  }

  private int newSlot() {
    if (highWater == tableCapacity()) {
      int n = grownTableCapacity(highWater);
      header = Arrays.copyOf(header, n * W);
      genLists.ensureCapacity(n);
      freeSlots = Arrays.copyOf(freeSlots, n);
    }
    return highWater++;
  }

  /** The most slots the table can have: its records must fit one Java array. */
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

  @Override
  public void setReference(HeapObject object, int slot, HeapObject target) {
    lock.lock();
    try {
      int s = slotOf(object);
      Objects.checkIndex(slot, refSlotsAt(s));
      long newId = target == null ? 0 : idOf(slotOf(target));
      long offset = (long) slot * 8;
      MemoryBlock block = cells.blockOf(cellAt(s));
      long at = CellSpace.offsetOf(cellAt(s)) + offset;
      long oldId = block.getLong(at);
      block.setLong(at, newId);
      graphVersion++;
      events.onReferenceWrite(idOf(s), slot, isLive(oldId) ? oldId : 0, newId);
      afterBarrier();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public HeapObject getReference(HeapObject object, int slot) {
    lock.lock();
    try {
      int s = slotOf(object);
      Objects.checkIndex(slot, refSlotsAt(s));
      long id = liveChild(s, slot);
      return id == 0 ? null : new HeapRef(this, id);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void addRoot(HeapObject object) {
    lock.lock();
    try {
      int s = slotOf(object);
      long id = idOf(s);
      globalRoots.merge(id, 1, Integer::sum);
      addRootHold(s, id);
      afterBarrier();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean removeRoot(HeapObject object) {
    lock.lock();
    try {
      int s = slotOf(object);
      long id = idOf(s);
      Integer holds = globalRoots.get(id);
      if (holds == null) {
        return false;
      }
      if (holds == 1) {
        globalRoots.remove(id);
      } else {
        globalRoots.put(id, holds - 1);
      }
      dropRootHold(s, id);
      afterBarrier();
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public HeapScope openScope() {
    checkOpen();
    ScopeStack stack = scopes.get();
    if (stack == null) {
      stack = registerScopeStack();
    }
    // No lock: a scope roots nothing until an object is put in it, which takes the lock, and that
    // lock's release publishes this push to the collector that reads the stack next (ScopeStack).
    Scope scope = new Scope(stack);
    stack.push(scope);
    return scope;
  }

  /** Gives this thread its scope stack, listed (under the lock) for {@link #forEachRoot}. */
  private ScopeStack registerScopeStack() {
    lock.lock();
    try {
      checkOpen();
      ScopeStack stack = new ScopeStack(Thread.currentThread());
      scopeStacks.add(stack);
      scopes.set(stack);
      return stack;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public WeakHeapReference weakReference(HeapObject object) {
    lock.lock();
    try {
      int s = slotOf(object);
      WeakRef ref = new WeakRef(idOf(s));
      weakRefs.computeIfAbsent(s, k -> new ArrayList<>(1)).add(ref);
      setExtrasAt(s, extrasAt(s) | HAS_WEAK_REFS);
      return ref;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onCollect(HeapObject object, Runnable callback) {
    Objects.requireNonNull(callback, "callback is null");
    lock.lock();
    try {
      int s = slotOf(object);
      callbacks.computeIfAbsent(s, k -> new ArrayList<>(1)).add(callback);
      setExtrasAt(s, extrasAt(s) | HAS_CALLBACKS);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long objectCount() {
    return readLocked(() -> objects);
  }

  @Override
  public long usedBytes() {
    return readLocked(() -> usedBytes);
  }

  @Override
  public long capacityBytes() {
    return manager.pools().stream().mapToLong(p -> p.config().poolSize()).sum();
  }

  @Override
  public GarbageCollector collector() {
    return collector;
  }

  /** Callback failures reported so far. */
  long callbackFailures() {
    return readLocked(() -> callbackFailures);
  }

  int referenceSlotsOf(HeapRef ref) {
    return (int) readLocked(() -> refSlotsAt(slotOf(ref)));
  }

  int dataBytesOf(HeapRef ref) {
    return (int) readLocked(() -> header[slotOf(ref) * W + DATA]);
  }

  int generationOf(HeapRef ref) {
    return (int) readLocked(() -> generationAt(slotOf(ref)));
  }

  MemoryBlock dataOf(HeapRef ref) {
    lock.lock();
    try {
      int s = slotOf(ref);
      return new PayloadBlock(
          ref,
          cells.blockOf(cellAt(s)),
          CellSpace.offsetOf(cellAt(s)) + (long) refSlotsAt(s) * 8,
          header[s * W + DATA]);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    // The collector's background thread is stopped first and without the heap lock: it may be
    // waiting for a collection in flight (a mutator past the threshold holds the collector's lock)
    // whose pause waits for the heap lock. Joining it with the heap lock held deadlocked a close
    // that raced live mutators (the stress suite's, after a test timed out). Collections that still
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
      runPendingCallbacks();
      cells.close();
      globalRoots.clear();
      scopeStacks.clear();
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
      for (ScopeStack stack : scopeStacks) {
        Scope[] open = stack.scopes;
        for (int k = Math.min(stack.size, open.length) - 1; k >= 0; k--) {
          Scope scope = open[k];
          if (scope == null) {
            continue; // pushed by its thread without the lock and not yet seen whole: empty
          }
          for (int i = 0; i < scope.ids.size(); i++) {
            long id = scope.ids.get(i);
            if (isLive(id)) {
              visitor.accept(id);
            }
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
    return cells.blockOf(cellAt(s)).getLong(CellSpace.offsetOf(cellAt(s)) + (long) slot * 8);
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
    MemoryBlock block = cells.blockOf(address);
    long base = CellSpace.offsetOf(address);
    int at = offset;
    for (int i = 0; i < slots; i++) {
      long id = block.getLong(base + (long) i * 8);
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
      if (passGen == gen && passVersion == graphVersion && !markLogOverflow) {
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
    int s = liveSlot(object);
    if (generationAt(s) != gen) {
      unlink(s);
      link(s, gen);
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
      logMark(s);
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
    return freeSlot(liveSlot(object));
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
  public void install(HeapEvents newEvents) {
    lock.lock();
    try {
      this.events = Objects.requireNonNull(newEvents, "events is null");
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long stopTheWorld(Runnable work) {
    lock.lock();
    // The pause mutators see starts once the collector holds the lock, not while it waits for it.
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
    if (!pendingCallbacks.isEmpty() && !inCollection) {
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
      problems.addAll(cells.verify(objects));
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

  // ------------------------------------------------------------------ scopes and weak refs

  /**
   * One thread's open scopes, innermost last. Only its thread writes it: pushes without the heap
   * lock, pops under it. A collector reads it under the lock, so it sees every scope that holds an
   * object (putting one in took the lock after the push); a scope pushed since the last release may
   * be missing or, while the array grows, read as null, and is empty.
   */
  private static final class ScopeStack {
    final Thread owner;
    Scope[] scopes = new Scope[16];
    int size;

    ScopeStack(Thread owner) {
      this.owner = owner;
    }

    Scope innermost() {
      return size == 0 ? null : scopes[size - 1];
    }

    void push(Scope scope) {
      if (size == scopes.length) {
        scopes = Arrays.copyOf(scopes, size * 2);
      }
      scopes[size] = scope;
      size++;
    }

    void pop() {
      scopes[--size] = null;
    }
  }

  /** Local roots of one thread; see {@link HeapScope}. */
  private final class Scope implements HeapScope {
    final ScopeStack stack;
    final LongStack ids = new LongStack(4);
    boolean closed;

    Scope(ScopeStack stack) {
      this.stack = stack;
    }

    @Override
    public HeapObject hold(HeapObject object) {
      lock.lock();
      try {
        if (closed) {
          throw new IllegalStateException("scope is closed");
        }
        int s = slotOf(object);
        long id = idOf(s);
        ids.push(id);
        addRootHold(s, id);
        afterBarrier();
        return object;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void close() {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        if (Thread.currentThread() != stack.owner) {
          throw new IllegalStateException(
              "a scope must be closed by the thread that opened it ("
                  + stack.owner.getName()
                  + ")");
        }
        if (stack.innermost() != this) {
          throw new IllegalStateException("scopes must be closed innermost first");
        }
        stack.pop();
        closed = true;
        for (int i = 0; i < ids.size(); i++) {
          long id = ids.get(i);
          if (isLive(id)) {
            dropRootHold(slotOf(id), id);
          }
        }
        ids.clear();
        afterBarrier();
      } finally {
        lock.unlock();
      }
    }
  }

  private final class WeakRef implements WeakHeapReference {
    final long id;
    volatile boolean cleared;

    WeakRef(long id) {
      this.id = id;
    }

    @Override
    public HeapObject get() {
      lock.lock();
      try {
        return cleared || !isLive(id) ? null : new HeapRef(OffHeapManagedHeap.this, id);
      } finally {
        lock.unlock();
      }
    }
  }
}
