package dev.omega.mem.gc;

import static dev.omega.mem.gc.ObjectTable.CELL_HI;
import static dev.omega.mem.gc.ObjectTable.CELL_LO;
import static dev.omega.mem.gc.ObjectTable.COUNT;
import static dev.omega.mem.gc.ObjectTable.DATA;
import static dev.omega.mem.gc.ObjectTable.HOLDS;
import static dev.omega.mem.gc.ObjectTable.MARK;
import static dev.omega.mem.gc.ObjectTable.REFS_MASK;
import static dev.omega.mem.gc.ObjectTable.SHAPE;
import static dev.omega.mem.gc.ObjectTable.SLOT_BITS;
import static dev.omega.mem.gc.ObjectTable.SLOT_GEN;
import static dev.omega.mem.gc.ObjectTable.W;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.HeapTransaction;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.WeakHeapReference;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.GasMeters;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.HeapEvents;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The managed heap: an object graph whose slots and payloads live in pool memory.
 *
 * <p>Design note. This class is the facade a program holds ({@link ManagedHeap}, and {@link
 * HeapRefs} through {@link IdRefs}); it runs the mutator operations and begins pauses, and leaves
 * each job to a part: the {@link ObjectTable} (header records, slots, ids and their validation),
 * the {@link GenerationSpace} (generation lists and sweeps), the {@link RootSet}, {@link
 * Finalization} (cleanup callbacks and weak references), the {@link ThreadMagazines} (where an
 * allocation's cell and slot come from), and {@link GarbageGroups} (the reference counter's
 * passes). The collector gets none of these, and not this class: it gets a {@link CollectorView},
 * the {@link dev.omega.mem.spi.HeapAccess} SPI as an object of its own, so mutator code cannot cast
 * the heap to the SPI. Layout:
 *
 * <pre>
 *   cell per object (pool)  [ ref slot 0 | ... | ref slot n-1 | payload bytes ]   slots hold ids
 *   object table (header)   one record per slot ({@link ObjectTable})
 *   generation lists        {@link IndexLists}, one per generation ({@link GenerationSpace})
 * </pre>
 *
 * Cells come from the heap's own {@link CellSpace}, which takes chunks from the memory manager: an
 * object costs no manager call and no Java block object, and freeing one during a sweep is a push
 * on a dense array.
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
final class OffHeapManagedHeap implements ManagedHeap {
  static final int HEADER_BYTES = ObjectTable.HEADER_BYTES;
  static final int MAX_SLOTS = 1 << 16;
  static final int MAX_DATA = 1 << 30;

  /** The slot generation of a retired slot ({@link ObjectTable#RETIRED}). */
  static final int RETIRED = ObjectTable.RETIRED;

  /** The most slots the object table can have ({@link ObjectTable#MAX_TABLE_SLOTS}). */
  static final int MAX_TABLE_SLOTS = ObjectTable.MAX_TABLE_SLOTS;

  /**
   * Not a lock any more: a pause. The collector-facing passes begin one (or join the pause they run
   * in) where they used to take the heap lock.
   */
  final PauseLock lock = new PauseLock();

  final Safepoints safepoints;
  private final MemoryManager manager;
  private final GarbageCollector collector;
  private final boolean serial;
  private final boolean writeBarrier;
  private volatile HeapEvents events = new HeapEvents() {};

  /** Whether {@link #events} overrides {@link HeapEvents#onRootRemoved} (scope closes skip it). */
  private volatile boolean rootRemovedEvents;

  private final ObjectTable table;
  private final CellSpace cells;
  private final GenerationSpace space;
  private final RootSet roots;
  private final Finalization finalization;
  private final ThreadMagazines magazines;
  private final CollectionTrigger trigger;
  private final GarbageGroups groups;
  private final CollectorView view;
  private final HeapRefs refs;
  private final Transactions transactions;
  private final GasMeters meters = new GasMeters("managed heap");
  private final Payloads payloads;

  /** Deterministic mode ({@code deterministic = true}): see {@link #deterministic()}. */
  private final boolean deterministic;

  /**
   * In deterministic mode, the accounted bytes beyond which an allocation fails: half the pools'
   * ({@link #capacityBytes()}).
   */
  private final long accountedCapacity;

  private final DeterministicMode deterministicMode;

  /** Set by {@link #stopTheWorld} on the pausing thread: no other thread runs meanwhile. */
  private boolean inCollection;

  /** Volatile: every operation reads it before it starts. */
  private volatile boolean closed;

  OffHeapManagedHeap(
      GarbageCollectorConfig config, MemoryManager manager, GarbageCollectorProvider provider) {
    Objects.requireNonNull(config, "config is null");
    this.manager = Objects.requireNonNull(manager, "manager is null");
    Objects.requireNonNull(provider, "collector provider is null");
    int generations = config.generationalCount();
    this.deterministic = config.deterministic();
    this.accountedCapacity = deterministic ? poolCapacity() / 2 : poolCapacity();
    this.cells = new CellSpace(manager, capacityBytes());
    if (deterministic) {
      cells.reserve((long) (poolCapacity() * ChunkReserve.RESERVE_SHARE));
    }
    this.table = new ObjectTable(deterministic);
    this.deterministicMode = new DeterministicMode(this, accountedCapacity);
    CollectorTraits traits = Objects.requireNonNull(provider.traits(), "collector traits are null");
    this.serial = !traits.concurrentMutators();
    this.writeBarrier = traits.needsWriteBarrier();
    this.finalization = new Finalization(table);
    this.space = new GenerationSpace(table, cells, finalization, generations);
    int cellClasses = CellSpace.classOf(cells.largestCell()) + 1;
    this.safepoints =
        new Safepoints(
            serial,
            () -> {
              if (deterministic) {
                deterministicMode.checkSoleMutator();
              }
              return new Mutator(Thread.currentThread(), cellClasses);
            },
            space::publishFresh,
            this::reap);
    this.roots = new RootSet(this, table, safepoints, serial);
    this.trigger = new CollectionTrigger(this, config, safepoints);
    this.magazines = new ThreadMagazines(this, table, cells, space, manager, safepoints, trigger);
    this.groups = new GarbageGroups(this, table, space, generations, serial);
    this.view =
        new CollectorView(
            this, table, space, roots, groups, generations, serial, traits.countsReferences());
    this.payloads = new Payloads(this, table, cells, safepoints, meters);
    this.refs = new IdRefs(this, table, roots);
    this.transactions =
        new Transactions(this, table, cells, space, roots, safepoints, serial, writeBarrier);
    this.collector = provider.create(config, view);
    if (collector instanceof HeapEvents barriers) {
      install(barriers); // only now: no barrier runs on a collector still being built
    }
  }

  // ------------------------------------------------------------------ validation

  /** For tests: the table slot {@code object}'s handle names, live or not. */
  static int tableSlotOf(HeapObject object) {
    return ObjectTable.slotOf(((HeapRef) object).id);
  }

  /** For tests: see {@link ObjectTable#grownTableCapacity}. */
  static int grownTableCapacity(int slots) {
    return ObjectTable.grownTableCapacity(slots);
  }

  /** For tests: the SPI the collector was given. */
  CollectorView access() {
    return view;
  }

  /** For tests: the reference-counting passes, whatever the collector's traits. */
  GarbageGroups garbageGroups() {
    return groups;
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
      Objects.checkIndex(slot, table.highWater);
      if (table.cellAt(slot) >= 0) {
        throw new IllegalStateException("table slot " + slot + " holds a live object");
      }
      for (Mutator m : safepoints.mutators()) {
        table.returnSlots(m);
      }
      table.setFreeSlotGeneration(slot, generation);
    } finally {
      lock.unlock();
    }
  }

  /** The collector's hooks, read afresh by every operation that calls one. */
  HeapEvents events() {
    return events;
  }

  /** Whether the collector listens for root removals, so closing a scope must tell it of each. */
  boolean rootRemovedEvents() {
    return rootRemovedEvents;
  }

  /** Whether {@code id} names a live object of this heap ({@link ObjectTable#isLive}). */
  boolean isLive(long id) {
    return table.isLive(id);
  }

  /** Slot of a handle given by a program. */
  int slotOf(HeapObject object) {
    Objects.requireNonNull(object, "object is null");
    if (!(object instanceof HeapRef ref) || ref.heap != this) {
      throw new AccessViolationException("object does not belong to this heap: " + object);
    }
    return table.checkedSlot(ref.id);
  }

  boolean isClosed() {
    return closed;
  }

  Transactions transactions() {
    return transactions;
  }

  Payloads payloads() {
    return payloads;
  }

  CollectionTrigger trigger() {
    return trigger;
  }

  void checkOpen() {
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
        if (trigger.collectionDue(m, size)) {
          safepoints.blocking(
              m,
              () -> {
                trigger.collectForThreshold();
                return null;
              });
          checkOpen();
        }
      }
      if (deterministic && usedBytes() + size > accountedCapacity) {
        deterministicMode.admit(
            m, size, referenceSlots, dataBytesWanted, insidePause || inCollection);
      }
      if (meters.active()) {
        meters.chargeAllocationGrowingMemory(size, "an allocation");
      }
      long address = magazines.takeCell(m, bytes, insidePause);
      int slot;
      try {
        slot = magazines.takeSlot(m);
      } catch (RuntimeException e) {
        synchronized (cells) {
          if (!closed) { // a close meanwhile gave every chunk back, this cell's too
            cells.free(address); // the cell was taken for this object: give it back
          }
        }
        throw e;
      }
      int at = slot * W;
      int[] h = table.header;
      h[at + SHAPE] = referenceSlots; // generation 0, no extras
      h[at + DATA] = dataBytesWanted;
      h[at + MARK] = 0;
      h[at + COUNT] = 0;
      h[at + HOLDS] = 0;
      h[at + CELL_HI] = (int) (address >>> 32);
      h[at + CELL_LO] = (int) address;
      if (serial) {
        space.link(slot, 0);
        space.objects++;
        space.usedBytes += size;
      } else {
        m.addFresh(slot, size);
      }
      long id = table.tagBits | (long) h[at + SLOT_GEN] << SLOT_BITS | (slot + 1);
      // The header is written with plain stores; a thread that gets the id through a reference
      // slot (also a plain store) must find them there: release here, acquire in getId.
      VarHandle.releaseFence();
      if (m.undo != null) {
        m.undo.allocated();
      }
      HeapEvents ev = events;
      ev.onAllocate(id);
      if (m.depth > 0) {
        m.pushHeld(id);
        if (serial) {
          table.header[at + HOLDS]++;
        }
        ev.onRootAdded(id);
      }
      afterBarrier();
      return id;
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  /** In a pause: a thread ended; its local roots go, and its magazines come back. */
  private void reap(Mutator m) {
    if (closed) {
      return; // the close freed everything and gave every chunk back
    }
    transactions.abandon(m);
    space.publishFresh(m);
    roots.dropScopes(m);
    magazines.returnAll(m);
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
      int s = table.checkedSlot(object);
      Objects.checkIndex(slot, table.refSlotsAt(s));
      if (target != 0) {
        table.checkedSlot(target);
      }
      if (meters.active()) {
        meters.chargeReferenceWrite("a reference write");
      }
      long address = table.cellAt(s);
      long at = (long) slot * 8;
      long oldId = cells.getLong(address, at);
      long oldLive = oldId != 0 && table.isLive(oldId) ? oldId : 0;
      if (m.undo != null) {
        if (oldLive != 0) {
          transactions.keepAlive(m, oldLive);
        }
        m.undo.reference(object, slot, oldLive);
      }
      cells.setLong(address, at, target);
      if (serial) {
        space.graphVersion++;
      }
      if (writeBarrier) {
        events.onReferenceWrite(object, slot, oldLive, target);
        afterBarrier();
      } else if (m.undo != null) {
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
      int[] h = table.header;
      int s = table.checkedSlot(object);
      int at = s * W;
      if (at + W > h.length) {
        continue; // read the field before the table grew
      }
      int slots = h[at + SHAPE] & REFS_MASK;
      if (slot < 0 || slot >= slots) {
        if (table.stillHolds(h, s, object)) {
          Objects.checkIndex(slot, slots); // the object's own shape: a bad slot
        }
        continue; // freed meanwhile: the next round throws use-after-free
      }
      long value = readWord(ObjectTable.cellIn(h, at), (long) slot * 8);
      if (table.stillHolds(h, s, object)) {
        // The id was read from memory another thread may have written without a lock: the
        // reads of its header that the caller makes next must not run ahead of this read.
        VarHandle.acquireFence();
        return value != 0 && table.isLive(value) ? value : 0;
      }
    }
  }

  /**
   * The word at {@code offset} in the cell at {@code address}, read without a lock: 0 if the cell's
   * chunk went back to the manager meanwhile (the caller's {@link ObjectTable#stillHolds} then
   * fails).
   */
  private long readWord(long address, long offset) {
    return cells.readLongRacing(address, offset, 8);
  }

  /**
   * The id in reference slot {@code slot} of table slot {@code s} if it names a live object, else 0
   * (a slot keeps the id of an object freed since it was written until it is written again).
   */
  long liveChild(int s, int slot) {
    long id = cells.getLong(table.cellAt(s), (long) slot * 8);
    return id != 0 && table.isLive(id) ? id : 0;
  }

  /**
   * {@link dev.omega.mem.spi.HeapAccess#references} for the live object in table slot {@code s}.
   */
  int liveChildren(int s, long[] into, int offset) {
    Objects.checkIndex(offset, into.length + 1);
    int slots = table.refSlotsAt(s);
    if (into.length - offset < slots) {
      return -slots;
    }
    if (slots == 0) {
      return 0;
    }
    long address = table.cellAt(s);
    int at = offset;
    for (int i = 0; i < slots; i++) {
      long id = cells.getLong(address, (long) i * 8);
      if (id != 0 && table.isLive(id)) {
        into[at++] = id;
      }
    }
    return at - offset;
  }

  // ------------------------------------------------------------------ roots

  @Override
  public void addRoot(HeapObject object) {
    slotOf(object);
    roots.addGlobal(((HeapRef) object).id);
  }

  @Override
  public boolean removeRoot(HeapObject object) {
    slotOf(object);
    return roots.removeGlobal(((HeapRef) object).id);
  }

  // ------------------------------------------------------------------ scopes

  @Override
  public HeapScope openScope() {
    Mutator m = safepoints.current();
    int depth = roots.enterScope(m);
    return new Scope(this, roots, m, depth, m.scopeSerials[depth - 1]);
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
      Finalization.WeakRef ref = new Finalization.WeakRef(this, table.idOf(s));
      finalization.addWeakReference(s, ref);
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
      finalization.addCallback(slotOf(object), callback);
    } finally {
      safepoints.exitOperation(m, entered);
    }
  }

  // ------------------------------------------------------------------ figures

  @Override
  public long objectCount() {
    long n = space.objects;
    for (Mutator m : safepoints.mutators()) {
      n += m.freshTop;
    }
    return n;
  }

  @Override
  public long usedBytes() {
    long n = space.usedBytes;
    for (Mutator m : safepoints.mutators()) {
      n += m.freshBytes;
    }
    return n;
  }

  /**
   * The manager's pools' bytes; in deterministic mode the heap accounts for half of them ({@link
   * DeterministicMode#admit}), leaving the rest for what the accounting does not see: cell rounding
   * and partly used chunks.
   */
  @Override
  public long capacityBytes() {
    return deterministic ? accountedCapacity : poolCapacity();
  }

  private long poolCapacity() {
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
    lock.lock();
    try {
      return finalization.failures();
    } finally {
      lock.unlock();
    }
  }

  int referenceSlotsOf(HeapRef ref) {
    slotOf(ref);
    return table.fieldOf(ref.id, ObjectTable.SHAPE) & ObjectTable.REFS_MASK;
  }

  int dataBytesOf(HeapRef ref) {
    slotOf(ref);
    return table.fieldOf(ref.id, ObjectTable.DATA);
  }

  int generationOf(HeapRef ref) {
    slotOf(ref);
    return (table.fieldOf(ref.id, ObjectTable.SHAPE) >>> ObjectTable.GEN_SHIFT)
        & ObjectTable.GEN_MASK;
  }

  MemoryBlock dataOf(HeapRef ref) {
    int size = dataBytesOf(ref);
    return new PayloadBlock(ref, size);
  }

  /** Runs {@code call} with this thread at a safepoint (see {@link HeapAccess#atSafepoint}). */
  <T> T atSafepoint(java.util.function.Supplier<T> call) {
    return safepoints.blocking(safepoints.current(), call);
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
        magazines.returnCells(m);
      }
      cells.releaseEmptyChunks();
      // A deterministic heap's emptied chunks go to its reserve, not to the manager.
      return deterministic ? 0 : held - cells.heldBytes();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean deterministic() {
    return deterministic;
  }

  @Override
  public GasMeter meter(long budget, GasSchedule schedule) {
    checkOpen();
    return meters.open(budget, schedule);
  }

  @Override
  public HeapTransaction begin() {
    return transactions.begin();
  }

  @Override
  public dev.omega.mem.api.gc.StateDigest digest() {
    return states().digest();
  }

  @Override
  public void snapshot(java.io.OutputStream out) {
    states().snapshot(out);
  }

  @Override
  public void restore(java.io.InputStream in) {
    states().restore(in);
  }

  /** Digest, snapshot and restore ({@link HeapStates}); made per call, it holds no state. */
  private HeapStates states() {
    return new HeapStates(this, table, cells, roots);
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
      for (int s = 0; s < table.highWater; s++) {
        if (table.cellAt(s) >= 0) {
          table.setHoldsAt(s, 0);
          space.freeSlot(s);
        }
      }
      for (Mutator m : safepoints.mutators()) {
        m.heldTop = 0;
        magazines.returnAll(m);
      }
      finalization.runPending();
      cells.close();
      roots.clear();
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ pauses and barriers

  /** Installs the collector's barrier and event hooks ({@link CollectorView#install}). */
  void install(HeapEvents newEvents) {
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

  /** Runs {@code work} in a pause ({@link CollectorView#stopTheWorld}); returns its nanoseconds. */
  long stopTheWorld(Runnable work) {
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
        finalization.runPending();
      }
      lock.unlock();
    }
    return System.nanoTime() - started;
  }

  /**
   * Ends a mutator operation whose barrier may have freed objects (reference counting frees in its
   * barrier): their cleanup callbacks run now, with the lock held, as they do at a pause's end.
   */
  void afterBarrier() {
    if (serial && !inCollection && finalization.hasPending()) {
      finalization.runPending();
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
      space.verify(problems);
      long inMagazines = 0;
      for (Mutator m : safepoints.mutators()) {
        for (int top : m.cellTop) {
          inMagazines += top;
        }
      }
      problems.addAll(cells.verify(space.objects + inMagazines));
      return problems;
    } finally {
      lock.unlock();
    }
  }

  /**
   * For tests: points the pending lazy sweep of {@code gen} at other slots, as a bug that forgot to
   * move them on would.
   */
  void setLazySweepRange(int gen, int cursor, int fence) {
    lock.lock();
    try {
      space.setLazySweepRange(gen, cursor, fence);
    } finally {
      lock.unlock();
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
}
