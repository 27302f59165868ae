package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.WeakHeapReference;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The heap's object table keeps each object's header fields in one record, several of them packed
 * into one word: these tests put every field at its limit at once and check none spills into
 * another.
 */
class ObjectTableTest {

  private static OffHeapManagedHeap heapWithEightGenerations() {
    return new OffHeapManagedHeap(
        GarbageCollectorConfig.builder()
            .collectionStrategy("mark-sweep")
            .generationalCount(8)
            .build(),
        new ArrayMemoryManager(64L << 20),
        new BuiltInCollectors.MarkSweep());
  }

  @Test
  void packedFields_atTheirLimits_keepTheirValues_andTheirNeighboursIntact() {
    try (OffHeapManagedHeap heap = heapWithEightGenerations()) {
      AtomicInteger cleanups = new AtomicInteger();
      HeapObject wide;
      HeapObject neighbour;
      WeakHeapReference weak;
      try (HeapScope scope = heap.openScope()) {
        wide = heap.allocate(OffHeapManagedHeap.MAX_SLOTS, 24);
        neighbour = heap.allocate(3, 5);
        long id = ((HeapRef) wide).id;
        heap.access().setGeneration(id, 7);
        weak = heap.weakReference(wide);
        heap.onCollect(wide, cleanups::incrementAndGet);
        heap.setReference(wide, OffHeapManagedHeap.MAX_SLOTS - 1, neighbour);
        heap.access().setMark(id, -1);
        heap.access().setReferenceCount(id, Integer.MIN_VALUE);

        assertEquals(OffHeapManagedHeap.MAX_SLOTS, wide.referenceSlots());
        assertEquals(24, wide.dataBytes());
        assertEquals(7, wide.generation());
        assertEquals(-1, heap.access().mark(id));
        assertEquals(Integer.MIN_VALUE, heap.access().referenceCount(id));
        assertEquals(neighbour, heap.getReference(wide, OffHeapManagedHeap.MAX_SLOTS - 1));
        assertEquals(3, neighbour.referenceSlots());
        assertEquals(5, neighbour.dataBytes());
        assertEquals(0, neighbour.generation());
        assertEquals(0, heap.access().mark(((HeapRef) neighbour).id));
        assertEquals(wide, weak.get());

        heap.access().setGeneration(id, 0);
        assertEquals(OffHeapManagedHeap.MAX_SLOTS, wide.referenceSlots());
        assertEquals(0, wide.generation());
        // Back to what a collector expects of a new object, so the collection below is a plain one.
        heap.access().setMark(id, 0);
        heap.access().setReferenceCount(id, 0);
      }
      heap.collector().forceCollection();
      // The extras bits (callback, weak reference) survived the generation writes beside them.
      assertEquals(1, cleanups.get());
      assertNull(weak.get());
      assertFalse(wide.isLive());
      assertEquals(0, heap.objectCount());
      assertTrue(heap.verifyIntegrity().isEmpty(), () -> heap.verifyIntegrity().toString());
    }
  }

  @Test
  void tableGrowth_keepsEveryRecord_andSlotsFreedEarlierAreReusedWithNewGenerations() {
    try (OffHeapManagedHeap heap = heapWithEightGenerations()) {
      List<HeapObject> kept = new ArrayList<>();
      List<HeapObject> dropped = new ArrayList<>();
      try (HeapScope scope = heap.openScope()) {
        // Well past the table's first size (1024 slots), so it grows several times.
        for (int i = 0; i < 5000; i++) {
          HeapObject object = heap.allocate(i % 4, 1 + i % 40);
          object.data().fill((byte) i);
          if (i % 3 == 0) {
            dropped.add(object);
          } else {
            heap.addRoot(object);
            kept.add(object);
          }
        }
      }
      heap.collector().forceCollection();
      for (HeapObject object : dropped) {
        assertFalse(object.isLive());
      }
      try (HeapScope scope = heap.openScope()) {
        for (int i = 0; i < dropped.size(); i++) {
          heap.allocate(1, 8).data().fill((byte) 0x5A);
        }
      }
      for (HeapObject object : dropped) {
        assertFalse(object.isLive(), "a reused slot made an old handle live again");
      }
      for (int k = 0; k < kept.size(); k++) {
        HeapObject object = kept.get(k);
        int made = k + k / 2 + 1; // every third object made was dropped
        assertTrue(object.isLive());
        assertEquals(made % 4, object.referenceSlots());
        assertEquals(1 + made % 40, object.dataBytes());
        assertEquals(0, object.generation());
        for (int b = 0; b < object.dataBytes(); b++) {
          assertEquals((byte) made, object.data().getByte(b), "payload of object " + made);
        }
      }
      assertTrue(heap.verifyIntegrity().isEmpty(), () -> heap.verifyIntegrity().toString());
    }
  }

  /**
   * A slot's generation is 24 bits; were it to wrap, the handle of the slot's first object would
   * name whatever lives there 2^24 reuses later. The hook skips those reuses.
   */
  @Test
  void free_atTheSlotsLastGeneration_retiresTheSlot_soNoStaleHandleBecomesLiveAgain() {
    try (OffHeapManagedHeap heap = heapWithEightGenerations()) {
      HeapObject first = heap.allocate(1, 8);
      int slot = OffHeapManagedHeap.tableSlotOf(first);
      heap.collector().forceCollection();
      assertFalse(first.isLive());
      heap.setFreeSlotGeneration(slot, OffHeapManagedHeap.RETIRED - 1);
      HeapObject last = heap.allocate(1, 8);
      assertEquals(slot, OffHeapManagedHeap.tableSlotOf(last), "the free slot is reused");
      assertTrue(last.isLive());
      heap.collector().forceCollection();

      // Enough reuses to bring a wrapped generation back to the first object's.
      for (int i = 0; i < 3; i++) {
        HeapObject next = heap.allocate(1, 8);
        assertFalse(first.isLive(), "the first object's handle names a new object");
        assertFalse(last.isLive(), "the last generation's handle names a new object");
        assertTrue(OffHeapManagedHeap.tableSlotOf(next) != slot, "a slot past its last generation");
        heap.collector().forceCollection();
      }
      for (HeapObject stale : List.of(first, last)) {
        assertFalse(stale.isLive());
        assertFalse(heap.isLive(((HeapRef) stale).id));
        assertThrows(UseAfterFreeException.class, stale::referenceSlots);
        assertThrows(UseAfterFreeException.class, () -> heap.addRoot(stale));
      }
      assertEquals(0, heap.objectCount());
      assertTrue(heap.verifyIntegrity().isEmpty(), () -> heap.verifyIntegrity().toString());
    }
  }

  @Test
  void tableAtItsLargestSize_refusesToGrow_withAClearError() {
    assertEquals(2048, OffHeapManagedHeap.grownTableCapacity(1024));
    int max = OffHeapManagedHeap.MAX_TABLE_SLOTS;
    assertEquals(max, OffHeapManagedHeap.grownTableCapacity(max / 2 + 1));
    OutOfMemoryException refused =
        assertThrows(OutOfMemoryException.class, () -> OffHeapManagedHeap.grownTableCapacity(max));
    assertTrue(refused.getMessage().contains("object table is full"), refused.getMessage());
    assertTrue(refused.getMessage().contains(Integer.toString(max)), refused.getMessage());
  }
}
