package dev.omega.mem.gc;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.gc.HeapObject;

/**
 * The {@link HeapObject} handle: a heap, a table slot and the slot's generation when the object was
 * made. Once the object is freed the slot's generation moves on, so the handle goes stale and every
 * use throws instead of reaching whatever object reuses the slot.
 */
final class HeapRef implements HeapObject {
  final OffHeapManagedHeap heap;
  final long id;

  HeapRef(OffHeapManagedHeap heap, long id) {
    this.heap = heap;
    this.id = id;
  }

  @Override
  public int referenceSlots() {
    return heap.referenceSlotsOf(this);
  }

  @Override
  public int dataBytes() {
    return heap.dataBytesOf(this);
  }

  @Override
  public MemoryBlock data() {
    return heap.dataOf(this);
  }

  @Override
  public boolean isLive() {
    return heap.isLive(id);
  }

  @Override
  public int generation() {
    return heap.generationOf(this);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof HeapRef r && r.heap == heap && r.id == id;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + System.identityHashCode(heap);
  }

  @Override
  public String toString() {
    return "HeapObject["
        + (id & 0xFFFF_FFFFL)
        + "/"
        + (id >>> 32)
        + (isLive() ? "" : ", collected")
        + "]";
  }
}
