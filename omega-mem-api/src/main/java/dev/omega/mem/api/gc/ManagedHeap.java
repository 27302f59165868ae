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
   * manager's out-of-memory chain calls this after collecting, before it compacts. A deterministic
   * heap keeps the chunks it reserved when it was built, so it gives back none.
   *
   * @return bytes given back
   */
  long trim();

  /**
   * Whether the heap runs in deterministic mode ({@code deterministic = true}): for one mutator
   * thread, the same calls give the same ids, collections, frees, callbacks and out-of-memory
   * failures in every run (see the README's "Deterministic execution").
   */
  boolean deterministic();

  /**
   * Opens a metered execution on the calling thread: the objects and bytes it allocates, its memory
   * (priced as the EVM prices memory expansion, on the bytes the execution has allocated, which no
   * collection shrinks), its reference writes and its payload writes (bulk ones per 32-byte word)
   * are charged to a {@link dev.omega.mem.api.GasMeter} against {@code budget} (see {@link
   * dev.omega.mem.api.GasSchedule} for the prices). The memory charge is on allocated rather than
   * live bytes because live bytes depend on when a collector finds garbage: priced this way, the
   * same calls cost the same gas on every collector and threshold.
   *
   * <p>An operation whose charge does not fit throws {@link
   * dev.omega.mem.api.MeterExhaustedException} and writes, allocates and charges nothing; an
   * allocation is checked after any collection it needed has run (collections change no reachable
   * state), and one the memory manager then cannot supply keeps its charge.
   *
   * @param budget the gas the execution may use, 0 or more
   * @throws IllegalArgumentException if {@code budget} is negative
   */
  dev.omega.mem.api.GasMeter meter(long budget, dev.omega.mem.api.GasSchedule schedule);

  /**
   * Begins a transaction on the calling thread, or a frame inside the one already open on it (see
   * {@link HeapTransaction}).
   */
  HeapTransaction begin();

  /**
   * The SHA-256 of the state reachable from the global roots, in a canonical form: the roots in the
   * order they were first added (with how many times each is held), the objects numbered in the
   * order a breadth-first walk from them meets them, and each object's slot count, payload size,
   * slots (as those numbers) and payload bytes. It does not depend on ids, placement, the collector
   * or generations, so two heaps holding the same graph agree, and it changes with any byte or
   * reference of the reachable state. Scopes and weak references are not part of the state.
   */
  StateDigest digest();

  /**
   * Writes the state {@link #digest()} covers, roots included, in the versioned and checksummed
   * snapshot format (see the README); canonical, so equal states give equal bytes.
   *
   * @throws java.io.UncheckedIOException if {@code out} fails
   */
  void snapshot(java.io.OutputStream out);

  /**
   * Reads a snapshot into this heap, which must hold no object: afterwards it has the same digest
   * and the same global roots as the heap the snapshot was taken from. The whole snapshot is read
   * and checked before anything is allocated.
   *
   * @throws dev.omega.mem.api.SnapshotFormatException if it is truncated, corrupt or of an unknown
   *     version; the heap is left as it was
   * @throws IllegalStateException if the heap holds objects
   * @throws java.io.UncheckedIOException if {@code in} fails
   */
  void restore(java.io.InputStream in);

  /** Frees every object (running their callbacks) and stops the collector. */
  @Override
  void close();
}
