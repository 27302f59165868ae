package dev.omega.mem.gc;

import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.gc.CollectionCause;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a deterministic heap ({@code deterministic = true}) decides differently: who may be a
 * mutator, and when an allocation does not fit.
 *
 * <p>Design note. Two threads' interleaving is timing, so one thread at a time may be the mutator
 * (a compare-and-set on the owner, handed on when the owner has ended). Whether an allocation fits
 * is decided by accounted bytes ({@link OffHeapManagedHeap#usedBytes()}: header, slots and payload
 * of each object not yet freed) against a capacity fixed when the heap is built, never by where
 * cells are free, which depends on history the program cannot see. The rest of the mode lives where
 * it acts: the fixed id tag ({@link ObjectTable}), step budgets counted in work ({@link
 * StepClock}), no collection when the manager runs short ({@link ThreadMagazines}), no background
 * thread ({@link AbstractCollector#startCollectionCycle}).
 *
 * <p>Thread safety: thread-safe.
 */
final class DeterministicMode {
  private final OffHeapManagedHeap heap;
  private final long accountedCapacity;

  /** The one thread that may be a mutator. */
  private final AtomicReference<Thread> soleMutator = new AtomicReference<>();

  DeterministicMode(OffHeapManagedHeap heap, long accountedCapacity) {
    this.heap = heap;
    this.accountedCapacity = accountedCapacity;
  }

  /**
   * In deterministic mode, refuses a second mutator thread: the order of two threads' operations is
   * timing, which nothing deterministic may depend on. A thread that ended passes the role on.
   */
  void checkSoleMutator() {
    Thread self = Thread.currentThread();
    while (true) {
      Thread owner = soleMutator.get();
      if (owner == self) {
        return;
      }
      if (owner != null && owner.isAlive()) {
        throw new IllegalStateException(
            "a deterministic heap has one mutator thread, "
                + owner.getName()
                + "; thread "
                + self.getName()
                + " may not allocate, write, root or open scopes on it (deterministic = true)");
      }
      if (soleMutator.compareAndSet(owner, self)) {
        return;
      }
    }
  }

  /**
   * The accounted bytes ({@link OffHeapManagedHeap#usedBytes()}: header, slots and payload of each
   * object not yet freed) would pass the capacity, so a full collection runs, and if they still
   * would, the allocation fails. Nothing about placement or the pool decides this.
   */
  void admit(Mutator m, long size, int referenceSlots, int dataBytes, boolean inPause) {
    if (!inPause) {
      heap.safepoints.blocking(
          m, () -> heap.trigger().tryCollect(CollectionCause.ALLOCATION_FAILURE));
      heap.checkOpen();
      if (heap.usedBytes() + size <= accountedCapacity) {
        return;
      }
    }
    long used = heap.usedBytes();
    throw new OutOfMemoryException(
        "deterministic heap out of memory: allocate("
            + referenceSlots
            + " slots, "
            + dataBytes
            + " bytes) needs "
            + size
            + " accounted bytes (16-byte header + 8 per slot + payload), and "
            + used
            + " of the "
            + accountedCapacity
            + " the heap may account are held after a full collection",
        size,
        Priority.NORMAL,
        Math.max(0, accountedCapacity - used),
        Math.max(0, accountedCapacity - used),
        0);
  }
}
