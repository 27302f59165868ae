package dev.omega.mem.gc;

import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.spi.HeapEvents;
import dev.omega.mem.spi.ReferenceCountPasses;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The heap as its collector sees it: the {@link HeapAccess} SPI, handed to the collector alone.
 *
 * <p>Design note. The SPI is a separate object rather than an interface of the heap, so mutator
 * code that holds the {@link dev.omega.mem.api.gc.ManagedHeap} cannot cast it to the SPI and free,
 * mark or sweep objects behind the collector's back. Each method checks its arguments, begins a
 * pause where the heap's lists are read or changed (or joins the one it runs in), and hands the
 * work to the part of the heap that does it: the {@link ObjectTable} for header fields, the {@link
 * GenerationSpace} for lists and sweeps, the {@link RootSet} for roots. Passes only one kind of
 * collector needs are capabilities, granted by the collector's traits ({@link #capability}).
 *
 * <p>Thread safety: as the heap's; header reads and writes take no lock (a collector calls them in
 * a pause or from its barrier), list passes run in a pause.
 */
final class CollectorView implements HeapAccess {
  private final OffHeapManagedHeap heap;
  private final ObjectTable table;
  private final GenerationSpace space;
  private final RootSet roots;
  private final GarbageGroups groups;
  private final int generations;
  private final boolean serial;
  private final boolean logMarks;

  /** The reference-counting passes, if the collector's traits grant them. */
  private final Optional<ReferenceCountPasses> passes;

  CollectorView(
      OffHeapManagedHeap heap,
      ObjectTable table,
      GenerationSpace space,
      RootSet roots,
      GarbageGroups groups,
      int generations,
      boolean serial,
      boolean countsReferences) {
    this.heap = heap;
    this.table = table;
    this.space = space;
    this.roots = roots;
    this.groups = groups;
    this.generations = generations;
    this.serial = serial;
    this.passes = countsReferences ? Optional.of(groups) : Optional.empty();
    // The log serves the passes, and only in serial mode (see GarbageGroups), so no other
    // collector's setMark pays for it.
    this.logMarks = serial && countsReferences;
  }

  @Override
  public long capacityBytes() {
    return heap.capacityBytes();
  }

  @Override
  public long usedBytes() {
    return heap.usedBytes();
  }

  @Override
  public long objectCount() {
    return heap.objectCount();
  }

  @Override
  public int generations() {
    return generations;
  }

  @Override
  public long objectsInGeneration(int gen) {
    Objects.checkIndex(gen, generations);
    heap.lock.lock();
    try {
      return space.lists.count(gen);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public void forEachRoot(LongConsumer visitor) {
    heap.lock.lock();
    try {
      roots.forEach(visitor);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public void forEachObject(LongConsumer visitor) {
    heap.lock.lock();
    try {
      for (int s = 0; s < table.highWater; s++) {
        if (table.cellAt(s) >= 0) {
          visitor.accept(table.idOf(s));
        }
      }
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public void forEachObjectInGeneration(int gen, LongConsumer visitor) {
    Objects.checkIndex(gen, generations);
    heap.lock.lock();
    try {
      IndexLists lists = space.lists;
      int s = lists.head(gen);
      while (s >= 0) {
        int next = lists.next(s);
        visitor.accept(table.idOf(s));
        s = next;
      }
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public int referenceSlots(long object) {
    return table.refSlotsAt(table.liveSlot(object));
  }

  @Override
  public long reference(long object, int slot) {
    int s = table.liveSlot(object);
    Objects.checkIndex(slot, table.refSlotsAt(s));
    return heap.liveChild(s, slot);
  }

  @Override
  public int references(long object, long[] into, int offset) {
    return heap.liveChildren(table.liveSlot(object), into, offset);
  }

  @Override
  public long sizeBytes(long object) {
    return table.sizeAt(table.liveSlot(object));
  }

  @Override
  public boolean isLive(long object) {
    return table.isLive(object);
  }

  @Override
  public int generation(long object) {
    return table.generationAt(table.liveSlot(object));
  }

  @Override
  public void setGeneration(long object, int gen) {
    Objects.checkIndex(gen, generations);
    heap.lock.lock(); // joins the caller's pause; links objects allocated since the last one
    try {
      space.move(table.liveSlot(object), gen);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public int mark(long object) {
    return table.markAt(table.liveSlot(object));
  }

  @Override
  public void setMark(long object, int value) {
    int s = table.liveSlot(object);
    if (table.markAt(s) != value) {
      table.setMarkAt(s, value);
      if (logMarks) {
        groups.logMark(s); // only the reference-counting passes read the log
      }
    }
  }

  @Override
  public int referenceCount(long object) {
    return table.countAt(table.liveSlot(object));
  }

  @Override
  public void setReferenceCount(long object, int count) {
    table.setCountAt(table.liveSlot(object), count);
  }

  @Override
  public int addToReferenceCount(long object, int delta) {
    return table.addToCountAt(table.liveSlot(object), delta);
  }

  @Override
  public long free(long object) {
    heap.lock.lock();
    try {
      return space.freeSlot(table.liveSlot(object));
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public Swept sweep(int gen, int liveMark, int survivorGeneration, LongConsumer moved) {
    Objects.checkIndex(gen, generations);
    Objects.checkIndex(survivorGeneration, generations);
    Objects.requireNonNull(moved, "moved is null");
    heap.lock.lock();
    try {
      return space.sweep(gen, liveMark, survivorGeneration, moved);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public void beginSweep(int gen, int liveMark, int survivorGeneration) {
    Objects.checkIndex(gen, generations);
    Objects.checkIndex(survivorGeneration, generations);
    heap.lock.lock();
    try {
      space.beginSweep(gen, liveMark, survivorGeneration);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public Swept sweepSome(int gen, int maxObjects) {
    Objects.checkIndex(gen, generations);
    if (maxObjects <= 0) {
      throw new IllegalArgumentException("maxObjects must be positive, got " + maxObjects);
    }
    heap.lock.lock();
    try {
      return space.sweepSome(gen, maxObjects);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public boolean sweepPending(int gen) {
    Objects.checkIndex(gen, generations);
    heap.lock.lock();
    try {
      return space.sweepPending(gen);
    } finally {
      heap.lock.unlock();
    }
  }

  @Override
  public <T> Optional<T> capability(Class<T> type) {
    if (type == ReferenceCountPasses.class) {
      return passes.map(type::cast);
    }
    return Optional.empty();
  }

  @Override
  public void install(HeapEvents events) {
    heap.install(events);
  }

  @Override
  public long stopTheWorld(Runnable work) {
    return heap.stopTheWorld(work);
  }

  @Override
  public <T> T atSafepoint(java.util.function.Supplier<T> call) {
    return heap.atSafepoint(call);
  }
}
