package dev.omega.mem.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The deterministic-mode part of {@link GarbageCollectorContract} ({@code deterministic = true}).
 */
final class DeterminismChecks {
  private DeterminismChecks() {}

  /**
   * The same seeded program on two fresh deterministic heaps gives the same trace, and the trace
   * shows the program reached what it is meant to exercise.
   */
  static void sameProgramSameTrace(
      Supplier<ManagedHeap> heaps, long seed, int steps, int longestChain) {
    List<String> first;
    List<String> second;
    try (ManagedHeap heap = heaps.get()) {
      assertTrue(heap.deterministic());
      first = DeterministicProgram.run(heap, seed, steps, longestChain);
    }
    // Garbage in the JVM and another heap's ids in between: neither may matter.
    try (ManagedHeap other = heaps.get()) {
      HeapRefs r = other.refs();
      for (int i = 0; i < 1000; i++) {
        r.allocate(1, 8);
      }
    }
    try (ManagedHeap heap = heaps.get()) {
      second = DeterministicProgram.run(heap, seed, steps, longestChain);
    }
    assertEquals(first.size(), second.size(), "trace lengths");
    for (int i = 0; i < first.size(); i++) {
      assertEquals(first.get(i), second.get(i), "trace line " + i);
    }
    String all = String.join("\n", first);
    for (String reached : List.of("freed #", "rollback frame", "commit frame", "out of gas")) {
      assertTrue(all.contains(reached), "the program reached '" + reached + "'");
    }
  }

  /** One mutator thread only; a second one is refused and changes nothing. */
  static void secondMutatorIsRefused(ManagedHeap heap) throws Exception {
    HeapRefs r = heap.refs();
    long a = r.allocate(1, 8);
    r.addRoot(a);
    long objects = heap.objectCount();
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> CompletableFuture.runAsync(() -> r.allocate(0, 8)).get());
    assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
    assertTrue(e.getCause().getMessage().contains("one mutator thread"), e.getMessage());
    assertEquals(objects, heap.objectCount());
    assertThrows(
        ExecutionException.class, () -> CompletableFuture.runAsync(() -> r.set(a, 0, a)).get());
    assertEquals(0, r.get(a, 0));
    IllegalStateException cycle =
        assertThrows(IllegalStateException.class, () -> heap.collector().startCollectionCycle());
    assertTrue(cycle.getMessage().contains("deterministic"), cycle.getMessage());
    assertTrue(r.removeRoot(a));
  }

  /**
   * Takes every block {@code manager} can still give, as other users of a shared pool might.
   *
   * @return the blocks, to give back
   */
  static List<dev.omega.mem.api.MemoryBlock> exhaust(MemoryManager manager) {
    List<dev.omega.mem.api.MemoryBlock> taken = new java.util.ArrayList<>();
    for (long size = 64 << 10; size >= 64; size /= 2) {
      try {
        while (true) {
          taken.add(manager.allocate(size));
        }
      } catch (OutOfMemoryException e) {
        // this size is gone; smaller ones may still fit
      }
    }
    return taken;
  }

  /**
   * Out of memory comes from the accounting: when the accounted bytes of what is held (16 per
   * object, 8 per slot, the payload) would pass the capacity, after a full collection.
   */
  static void outOfMemoryByAccounting(ManagedHeap heap) {
    HeapRefs r = heap.refs();
    long capacity = heap.capacityBytes();
    long each = 16 + 8 + 1000;
    long held = 0;
    long chain = r.allocate(1, 1000);
    r.addRoot(chain);
    held += each;
    OutOfMemoryException oom = null;
    while (oom == null) {
      try {
        r.allocate(0, 1000); // garbage at once: the collection before a failure must free it
        int scope = r.enterScope();
        try {
          long next = r.allocate(1, 1000);
          r.set(next, 0, chain);
          r.removeRoot(chain);
          r.addRoot(next);
          chain = next;
          held += each;
        } finally {
          r.exitScope(scope);
        }
      } catch (OutOfMemoryException e) {
        oom = e;
      }
    }
    assertTrue(held <= capacity, "never more than the capacity was held");
    assertTrue(held + each > capacity, "it failed only when the next one would not fit: " + held);
    assertTrue(oom.getMessage().contains("accounted"), oom.getMessage());
    assertFalse(heap.objectCount() > held / each, "the garbage was collected");
    assertTrue(r.removeRoot(chain));
  }
}
