package dev.omega.mem.spi;

/**
 * What a collector hears from the heap: its barriers. Every method is called on the mutator thread
 * that caused the event, while the heap's mutator lock is held (so collectors see a consistent
 * graph), and must be quick: bounded work, such as freeing a few objects whose count fell to zero
 * ({@link HeapAccess#free} may be called here). Object ids are those of {@link HeapAccess}; 0 means
 * null.
 */
public interface HeapEvents {

  /** An object was allocated (before it is returned to the program). */
  default void onAllocate(long object) {}

  /** {@code source.slot} changed from {@code oldTarget} to {@code newTarget}: the write barrier. */
  default void onReferenceWrite(long source, int slot, long oldTarget, long newTarget) {}

  /** {@code object} gained a root hold (global root or scope). */
  default void onRootAdded(long object) {}

  /** {@code object} lost a root hold. */
  default void onRootRemoved(long object) {}

  /**
   * Asked before each allocation: whether the collector's own policy (a young generation past its
   * threshold, say) wants a collection now. The heap then calls {@code collect(THRESHOLD)}.
   */
  default boolean wantsCollection() {
    return false;
  }
}
