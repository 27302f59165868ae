package dev.omega.mem.api.gc;

import java.util.List;

/**
 * An object graph in pool memory, reclaimed by a pluggable {@link GarbageCollector}.
 *
 * <p>Reachability: an object is live when a global root ({@link #addRoot}), an open {@link
 * HeapScope} or a live object's reference slot reaches it. {@link #setReference} is the only way to
 * write a reference; it is the write barrier that collectors hook.
 *
 * <p>Thread safety: several mutator threads may allocate, read and write at once. Collections stop
 * them at safepoints (see {@link HeapRefs} for where those are and what holds a collection up).
 */
public interface ManagedHeap extends AutoCloseable {

  /**
   * Allocates an object in the youngest generation, rooted by the current thread's innermost open
   * scope if there is one.
   *
   * @throws IllegalArgumentException if {@code referenceSlots} or {@code dataBytes} is negative or
   *     too large
   * @throws dev.omega.mem.api.OutOfMemoryException if no memory is left after a full collection
   */
  HeapObject allocate(int referenceSlots, int dataBytes);

  /**
   * Writes {@code target} (or {@code null}) into {@code object}'s reference slot.
   *
   * @throws IndexOutOfBoundsException if {@code slot} is outside the object's slots
   * @throws dev.omega.mem.api.UseAfterFreeException if either object was collected
   * @throws dev.omega.mem.api.AccessViolationException if either object belongs to another heap
   */
  void setReference(HeapObject object, int slot, HeapObject target);

  /** Reads a reference slot; {@code null} when empty. */
  HeapObject getReference(HeapObject object, int slot);

  /** Makes {@code object} a global root (roots are counted: add twice, remove twice). */
  void addRoot(HeapObject object);

  /** Removes one global-root hold; {@code false} if the object was not a root. */
  boolean removeRoot(HeapObject object);

  /** Opens a local-root scope on the current thread. */
  HeapScope openScope();

  /**
   * The same heap through {@code long} ids instead of handles (see {@link HeapRefs}): no Java
   * object per object, reference read or scope. Ids and handles name the same objects and mix.
   */
  HeapRefs refs();

  /** A weak reference to {@code object}. */
  WeakHeapReference weakReference(HeapObject object);

  /**
   * Runs {@code callback} once, after {@code object} is found unreachable and before its memory is
   * reused. The callback receives no handle to the object, so it cannot resurrect it; one that
   * throws is reported and does not stop the collection.
   */
  void onCollect(HeapObject object, Runnable callback);

  /**
   * Objects not yet freed: the live ones, plus garbage a collector has found but not yet swept (a
   * lazy sweep frees it in later short pauses; an explicit collection leaves none).
   */
  long objectCount();

  /** Bytes held by the objects {@link #objectCount} counts, headers included. */
  long usedBytes();

  /** Bytes the heap may use before an allocation fails. */
  long capacityBytes();

  /** The collector reclaiming this heap. */
  GarbageCollector collector();

  /**
   * Checks the heap's bookkeeping (object counts, generation lists) and then the collector's
   * ({@link GarbageCollector#verifyIntegrity()}), with mutators stopped.
   *
   * @return one sentence per broken invariant; empty when all hold
   */
  List<String> verifyIntegrity();

  /**
   * Gives back to the memory manager the memory the heap holds but does not use: chunks with no
   * live object, and the cells threads keep in reserve for their next allocations. The heap keeps
   * its chunks where they are for as long as it holds them (compaction works around them), so the
   * manager's out-of-memory chain calls this after collecting, before it compacts.
   *
   * @return bytes given back
   */
  long trim();

  /** Frees every object (running their callbacks) and stops the collector. */
  @Override
  void close();
}
