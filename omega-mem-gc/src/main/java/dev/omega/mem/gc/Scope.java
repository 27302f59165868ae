package dev.omega.mem.gc;

import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;

/**
 * A scope opened with {@link OffHeapManagedHeap#openScope}; see {@link HeapScope}. It names a depth
 * of its thread's scope stack ({@link Mutator}) and the serial that depth had when it opened, so a
 * scope object used after its depth was closed and opened again is refused.
 *
 * <p>Thread safety: confined to the thread that opened it.
 */
final class Scope implements HeapScope {
  final OffHeapManagedHeap heap;
  private final RootSet roots;
  final Mutator mutator;
  final int depth;
  final long scopeSerial;
  boolean closed;

  Scope(OffHeapManagedHeap heap, RootSet roots, Mutator mutator, int depth, long scopeSerial) {
    this.heap = heap;
    this.roots = roots;
    this.mutator = mutator;
    this.depth = depth;
    this.scopeSerial = scopeSerial;
  }

  @Override
  public HeapObject hold(HeapObject object) {
    heap.slotOf(object);
    if (closed) {
      throw new IllegalStateException("scope is closed");
    }
    roots.hold(mutator, depth, scopeSerial, ((HeapRef) object).id);
    return object;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    roots.exitScope(mutator, depth, scopeSerial);
    closed = true;
  }
}
