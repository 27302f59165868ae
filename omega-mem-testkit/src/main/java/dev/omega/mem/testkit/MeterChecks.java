package dev.omega.mem.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.concurrent.CompletableFuture;

/**
 * The gas part of {@link GarbageCollectorContract}: {@link ManagedHeap#meter} charges exactly what
 * {@link GasSchedule} documents, and refuses before it changes anything. The expected figures are
 * worked out here from the documented formula, not by calling the schedule's own methods.
 */
final class MeterChecks {
  private static final GasSchedule PRICES = GasSchedule.defaults(); // 10, 3, 3, 512, 5, 3
  private static final int HEADER = 16; // the accounting's bytes per object besides slots, payload

  private MeterChecks() {}

  private static long words(long bytes) {
    return (bytes + 31) / 32;
  }

  private static long memory(long bytes) {
    long w = words(bytes);
    return 3 * w + w * w / 512;
  }

  /** Allocations, reference writes and payload writes cost what the schedule says, exactly. */
  static void chargesAreExact(ManagedHeap heap) {
    HeapRefs r = heap.refs();
    r.addRoot(r.allocate(0, 4096)); // memory held before the meter opened is not its memory
    try (GasMeter meter = heap.meter(10_000_000, PRICES)) {
      long expected = 0;
      long a = r.allocate(2, 16); // 48 accounted bytes
      long size = HEADER + 16 + 16;
      expected += 10 + 3 * words(size) + memory(size);
      long peak = size;
      assertEquals(expected, meter.used(), "allocate(2, 16)");
      r.set(a, 0, a);
      expected += 5;
      r.setLong(a, 0, 1);
      r.setByte(a, 9, (byte) 1);
      r.handle(a).data().setInt(4, 2);
      expected += 3 * 3;
      assertEquals(expected, meter.used(), "one reference write and three payload writes");
      r.handle(a).data().fill(0, 16, (byte) 7);
      r.handle(a).data().copyFrom(new byte[40], 0, 0, 16);
      expected += 3 + 3; // bulk writes cost per 32-byte word: one word each
      assertEquals(expected, meter.used(), "two bulk writes of one word");
      long big = r.allocate(0, 1 << 20);
      size = HEADER + (1 << 20);
      expected += 10 + 3 * words(size) + memory(peak + size) - memory(peak);
      assertEquals(expected, meter.used(), "1 MiB: the quadratic memory term");
      assertTrue(
          memory(peak + size) - memory(peak) > 3 * words(size) * 10,
          "the memory term is superlinear: it grows faster than the bytes");
      r.handle(big).data().fill(0, 1 << 20, (byte) 1);
      expected += 3 * ((1 << 20) / 32);
      assertEquals(expected, meter.used(), "a 1 MiB fill costs per word");
      assertEquals(meter.budget() - expected, meter.remaining());
      assertEquals(9, meter.operations());
      assertEquals(peak + size, meter.peakBytes());
      r.set(a, 1, big);
      r.set(a, 1, 0);
    }
  }

  /**
   * The memory charge is on the bytes the execution allocated: freeing and collecting give nothing
   * back, so the same calls cost the same on every collector.
   */
  static void memoryIsWhatTheExecutionAllocated(ManagedHeap heap, Runnable collect) {
    HeapRefs r = heap.refs();
    try (GasMeter meter = heap.meter(100_000_000, PRICES)) {
      int scope = r.enterScope();
      r.allocate(0, 64 << 10);
      r.exitScope(scope);
      collect.run();
      long size = HEADER + (64 << 10);
      assertEquals(size, meter.peakBytes());
      long before = meter.used();
      r.allocate(0, 64 << 10);
      assertEquals(
          10 + 3 * words(size) + memory(2 * size) - memory(size),
          meter.used() - before,
          "the memory grew by the allocation, though the first one was collected");
      assertEquals(2 * size, meter.peakBytes());
    }
  }

  /** A charge past the budget throws before the operation, and charges nothing. */
  static void exhaustionChangesNothing(ManagedHeap heap) {
    HeapRefs r = heap.refs();
    long a = r.allocate(1, 8);
    r.addRoot(a);
    long first = 10 + 3 * words(HEADER + 8);
    // Room for one allocation of (0, 8) and 4 gas more: a reference write (5) is refused.
    long budget = first + memory(HEADER + 8) + 4;
    try (GasMeter meter = heap.meter(budget, PRICES)) {
      long b = r.allocate(0, 8);
      assertEquals(budget - 4, meter.used());
      MeterExhaustedException e = assertThrows(MeterExhaustedException.class, () -> r.set(a, 0, b));
      assertEquals(1, e.operationIndex());
      assertEquals(5, e.cost());
      assertTrue(e.getMessage().contains("out of gas"), e.getMessage());
      assertEquals(0, r.get(a, 0), "the refused write did not happen");
      assertEquals(budget - 4, meter.used(), "and was not charged");
      long objects = heap.objectCount();
      long bytes = heap.usedBytes();
      assertThrows(MeterExhaustedException.class, () -> r.allocate(0, 0));
      assertEquals(objects, heap.objectCount(), "the refused allocation allocated nothing");
      assertEquals(bytes, heap.usedBytes());
      r.setByte(a, 0, (byte) 9); // 3 fits in the 4 left
      assertEquals(budget - 1, meter.used());
      assertEquals(1, meter.remaining());
      assertThrows(MeterExhaustedException.class, () -> r.setByte(a, 0, (byte) 1));
      assertEquals(9, r.getByte(a, 0));
    }
    assertTrue(r.removeRoot(a));
  }

  /** Nested meters charge both; the tighter refuses; they close innermost first. */
  static void metersNest(ManagedHeap heap) throws Exception {
    HeapRefs r = heap.refs();
    long a = r.allocate(1, 8);
    r.addRoot(a);
    GasMeter outer = heap.meter(12, PRICES);
    GasMeter inner = heap.meter(1_000, PRICES);
    r.set(a, 0, a);
    r.set(a, 0, 0);
    assertEquals(10, outer.used());
    assertEquals(10, inner.used());
    assertThrows(MeterExhaustedException.class, () -> r.set(a, 0, a), "outer has 2 left");
    assertEquals(10, inner.used(), "the inner meter was not charged either");
    assertThrows(IllegalStateException.class, outer::close);
    assertThrows(
        IllegalStateException.class,
        () -> {
          try {
            CompletableFuture.runAsync(inner::close).get();
          } catch (java.util.concurrent.ExecutionException x) {
            throw x.getCause();
          }
        });
    inner.close();
    outer.close();
    r.set(a, 0, a); // no meter open: free
    assertEquals(10, outer.used());
    assertThrows(IllegalArgumentException.class, () -> heap.meter(-1, PRICES));
    assertTrue(r.removeRoot(a));
  }

  /** A meter charges its own thread's operations only. */
  static void otherThreadsAreNotCharged(ManagedHeap heap) throws Exception {
    HeapRefs r = heap.refs();
    try (GasMeter meter = heap.meter(1_000_000, PRICES)) {
      CompletableFuture.runAsync(
              () -> {
                int scope = r.enterScope();
                long o = r.allocate(1, 8);
                r.set(o, 0, o);
                r.exitScope(scope);
              })
          .get();
      assertEquals(0, meter.used());
      assertEquals(0, meter.operations());
    }
  }
}
