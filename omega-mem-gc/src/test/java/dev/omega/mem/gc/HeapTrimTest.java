package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.testkit.ArrayMemoryManager;
import org.junit.jupiter.api.Test;

/** What the manager's out-of-memory chain relies on: a trimmed heap holds only what it uses. */
class HeapTrimTest {

  @Test
  void trim_afterACollection_givesBackEveryChunkWithNoLiveObject_andKeepsTheLiveOnes() {
    ArrayMemoryManager manager = new ArrayMemoryManager(64L << 20);
    try (OffHeapManagedHeap heap =
        new OffHeapManagedHeap(
            GarbageCollectorConfig.builder().collectionStrategy("mark-sweep").build(),
            manager,
            new BuiltInCollectors.MarkSweep())) {
      HeapObject kept = heap.allocate(0, 8000);
      kept.data().setLong(0, 42);
      heap.addRoot(kept);
      try (HeapScope scope = heap.openScope()) {
        for (int i = 0; i < 200; i++) {
          heap.allocate(0, 8000);
        }
      }
      long blocksBefore = manager.liveBlocks();
      assertTrue(heap.collector().forceCollection());
      long given = heap.trim();
      assertTrue(given > 0, "chunks emptied by the collection went back");
      assertTrue(manager.liveBlocks() < blocksBefore);
      assertEquals(1, manager.liveBlocks(), "only the chunk of the live object is held");
      assertEquals(42, kept.data().getLong(0));
      assertEquals(0, heap.trim(), "nothing more to give");
    }
    assertEquals(0, manager.liveBlocks());
  }
}
