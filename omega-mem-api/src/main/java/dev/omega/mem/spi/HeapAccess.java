package dev.omega.mem.spi;

import java.util.function.LongConsumer;

/**
 * What a collector may see and do on a managed heap. Objects are named by {@code long} ids (0 is
 * null); an id stays the same for an object's life and is not reused while any handle could still
 * name it.
 *
 * <p>Header fields a collector may use freely: a {@linkplain #mark mark} word (colours, mark bits,
 * tri-colour state), a {@linkplain #referenceCount reference count} and the {@linkplain #generation
 * generation}. The heap does not interpret them.
 *
 * <p>Concurrency: mutators change the graph under the heap's mutator lock. A collector that must
 * see a still graph runs inside {@link #stopTheWorld}; one that runs concurrently relies on its
 * barrier ({@link #install}). Reading ids of objects the collector freed is a collector bug and
 * throws {@link IllegalStateException}.
 */
public interface HeapAccess {

  /** Bytes the heap may use. */
  long capacityBytes();

  /** Bytes held by live objects, headers included. */
  long usedBytes();

  /** Live objects. */
  long objectCount();

  /** Number of generations the heap keeps per object ({@code generational_count}). */
  int generations();

  /** Live objects in one generation, in O(1). */
  long objectsInGeneration(int generation);

  /** Visits every root hold: global roots and the objects of every open scope (may repeat ids). */
  void forEachRoot(LongConsumer visitor);

  /** Visits every live object. */
  void forEachObject(LongConsumer visitor);

  /** Visits every live object of one generation. */
  void forEachObjectInGeneration(int generation, LongConsumer visitor);

  int referenceSlots(long object);

  /** The id in {@code object}'s slot, or 0. */
  long reference(long object, int slot);

  /** Bytes the object holds, header included. */
  long sizeBytes(long object);

  boolean isLive(long object);

  int generation(long object);

  /** Moves an object to another generation (promotion). */
  void setGeneration(long object, int generation);

  int mark(long object);

  void setMark(long object, int mark);

  int referenceCount(long object);

  void setReferenceCount(long object, int count);

  /**
   * Frees a garbage object: runs its cleanup callbacks, clears weak references to it, returns its
   * memory, and makes every handle to it stale. The caller guarantees it is unreachable.
   */
  void free(long object);

  /** Installs the collector's barriers; replaces any installed before. */
  void install(HeapEvents events);

  /**
   * Runs {@code work} with every mutator stopped (no reference write, allocation or root change
   * happens meanwhile) and returns how long mutators were stopped, in nanoseconds.
   */
  long stopTheWorld(Runnable work);
}
