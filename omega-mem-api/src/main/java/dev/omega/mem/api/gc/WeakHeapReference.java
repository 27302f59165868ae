package dev.omega.mem.api.gc;

/** A reference that does not keep its target alive; cleared when the target is collected. */
public interface WeakHeapReference {

  /** The target, or {@code null} once it has been collected. */
  HeapObject get();
}
