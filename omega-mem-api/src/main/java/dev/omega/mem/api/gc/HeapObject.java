package dev.omega.mem.api.gc;

import dev.omega.mem.api.MemoryBlock;

/**
 * A handle to an object on a {@link ManagedHeap}: reference slots plus payload bytes in pool
 * memory.
 *
 * <p>A handle carries the generation of the slot it names. Once the object is collected, every use
 * of the handle throws {@link dev.omega.mem.api.UseAfterFreeException}; it never reads the memory
 * of an object that took its place. Handles compare equal when they name the same live object.
 */
public interface HeapObject {

  /** Number of reference slots, fixed at allocation. */
  int referenceSlots();

  /** Payload size in bytes, fixed at allocation. */
  int dataBytes();

  /**
   * The payload, bounds-checked like any block; it becomes invalid when the object is collected.
   */
  MemoryBlock data();

  /** Whether the object is still on the heap. */
  boolean isLive();

  /** Generation the object lives in (0 is the youngest). */
  int generation();
}
