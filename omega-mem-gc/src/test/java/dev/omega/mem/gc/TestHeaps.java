package dev.omega.mem.gc;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;

/**
 * Heaps and object graphs that the per-collector tests build: a heap on a given collector over an
 * in-memory manager, and chains hung from an object.
 */
final class TestHeaps {
  private TestHeaps() {}

  static OffHeapManagedHeap heap(
      GarbageCollectorProvider provider, GarbageCollectorConfig.Builder config) {
    return new OffHeapManagedHeap(
        config.collectionStrategy(provider.name()).build(),
        new ArrayMemoryManager(64L << 20),
        provider);
  }

  /**
   * Hangs a chain of {@code length} new one-slot objects from slot 0 of {@code head}, each
   * allocated in a scope (so rooted at birth) and held only by its predecessor once it closes.
   */
  static void hangChain(OffHeapManagedHeap heap, HeapObject head, int length) {
    try (HeapScope scope = heap.openScope()) {
      HeapObject prev = head;
      for (int i = 0; i < length; i++) {
        HeapObject next = heap.allocate(1, 0);
        heap.setReference(prev, 0, next);
        prev = next;
      }
    }
  }
}
