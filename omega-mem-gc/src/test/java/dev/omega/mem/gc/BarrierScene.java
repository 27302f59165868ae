package dev.omega.mem.gc;

import static dev.omega.mem.gc.TestHeaps.hangChain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;

/**
 * Roots {@code a} and {@code b}; {@code hidden} (payload 5) referenced only from {@code b}; and a
 * rooted chain of 300,000 objects, so that marking needs many bounded steps. The barrier tests then
 * move {@code hidden} from {@code b} to {@code a} between steps.
 */
record BarrierScene(HeapObject a, HeapObject b, HeapObject hidden) {
  /** Runs {@code step} while {@code pending}, and checks it took more than one bounded step. */
  static void stepThrough(java.util.function.BooleanSupplier pending, Runnable step) {
    int steps = 0;
    while (pending.getAsBoolean()) {
      step.run();
      steps++;
    }
    assertTrue(steps > 1, "the work took several bounded steps: " + steps);
  }

  void assertHiddenKept() {
    assertTrue(hidden.isLive());
    assertEquals(5, hidden.data().getLong(0));
  }

  static BarrierScene build(OffHeapManagedHeap heap) {
    HeapObject a = heap.allocate(1, 0);
    HeapObject b = heap.allocate(1, 0);
    heap.addRoot(a);
    heap.addRoot(b);
    HeapObject hidden;
    try (HeapScope scope = heap.openScope()) {
      hidden = heap.allocate(0, 8);
      hidden.data().setLong(0, 5);
      heap.setReference(b, 0, hidden);
    }
    HeapObject big = heap.allocate(1, 0);
    heap.addRoot(big);
    hangChain(heap, big, 300_000);
    return new BarrierScene(a, b, hidden);
  }
}
