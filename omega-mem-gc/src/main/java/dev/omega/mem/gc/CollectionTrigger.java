package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.GarbageCollector;

/**
 * When the heap asks its collector for a collection: past the {@code collection_threshold} trigger,
 * when the collector wants one, or when allocation failed.
 *
 * <p>Design note. Terms: the <em>trigger</em> is the used bytes at which the next threshold
 * collection runs; a thread's <em>budget</em> ({@link Mutator#budget}) is the bytes it may allocate
 * before it looks at the trigger again. Allocation only counts its bytes down from the budget, so
 * the common path reads no shared counter; a thread whose budget runs out sums the used bytes and
 * either collects or takes its share of half the room left below the trigger, so the room is looked
 * at again well before the threads together could have used it up. After a threshold collection the
 * trigger moves to halfway between the bytes then used and the capacity, and never below the
 * configured threshold. A collection the heap asks for itself never lets a collector's fault take
 * allocation down (see {@link #tryCollect}).
 *
 * <p>Thread safety: {@link #nextTriggerBytes} is volatile; {@link #collectionDue} runs on the
 * allocating thread for its own budget, and {@link #collectForThreshold} at a safepoint.
 */
final class CollectionTrigger {
  private final OffHeapManagedHeap heap;
  private final GarbageCollectorConfig config;
  private final Safepoints safepoints;
  private volatile long nextTriggerBytes;

  CollectionTrigger(OffHeapManagedHeap heap, GarbageCollectorConfig config, Safepoints safepoints) {
    this.heap = heap;
    this.config = config;
    this.safepoints = safepoints;
    this.nextTriggerBytes = (long) (config.collectionThreshold() * heap.capacityBytes());
  }

  /**
   * Whether this thread's allocation of {@code size} bytes crosses the collection trigger; if not,
   * gives the thread a new budget: its share of half the room left below the trigger.
   */
  boolean collectionDue(Mutator m, long size) {
    if (heap.events().wantsCollection()) {
      return true;
    }
    long used = heap.usedBytes();
    long room = nextTriggerBytes - used - size;
    if (room < 0) {
      return true;
    }
    m.budget =
        Math.max(
            OffHeapManagedHeap.HEADER_BYTES,
            room / (2L * Math.max(1, safepoints.mutators().size())));
    return false;
  }

  /** Runs a threshold collection and sets the next trigger (at a safepoint). */
  void collectForThreshold() {
    tryCollect(CollectionCause.THRESHOLD);
    long used = heap.usedBytes();
    nextTriggerBytes =
        Math.max(
            (long) (config.collectionThreshold() * heap.capacityBytes()),
            used + (heap.capacityBytes() - used) / 2);
  }

  /**
   * Runs a collection the heap itself asked for. A collector plugin that throws must not take
   * allocation down with it: the fault is logged and returned, and allocation goes on (a failed
   * allocation then reports it as suppressed). Collections a program asks for directly still throw.
   */
  RuntimeException tryCollect(CollectionCause cause) {
    GarbageCollector collector = heap.collector();
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
}
