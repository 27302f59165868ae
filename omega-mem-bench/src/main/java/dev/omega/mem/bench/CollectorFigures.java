package dev.omega.mem.bench;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Collector figures that a per-operation benchmark cannot give: the time of one big collection,
 * cold and warm ({@link Timings}). The pause distribution of a whole program is {@link
 * BinaryTrees}'s.
 *
 * <p>The graph shapes are those of {@code cpython-gc.py}: garbage is rings of {@link #RING}
 * objects, in a full collection and in a young one; live objects are a chain from one root. Objects
 * with no references would not do for CPython, whose reference counting frees them before its
 * collector could see them.
 */
final class CollectorFigures {
  /** The collectors measured; {@code -Domega.bench.collectors=a,b} narrows the list. */
  static final String[] COLLECTORS =
      System.getProperty(
              "omega.bench.collectors", "mark-sweep,reference-counting,generational,incremental")
          .split(",");

  /** Objects in each ring of cyclic garbage. */
  static final int RING = 10;

  private CollectorFigures() {}

  static OmegaMemory system(String collector, long poolBytes, Duration maxPause) {
    return system(collector, poolBytes, maxPause, 10_000);
  }

  static OmegaMemory system(
      String collector, long poolBytes, Duration maxPause, int youngThreshold) {
    return BenchSystems.builder(poolBytes)
        .garbageCollector(
            GarbageCollectorConfig.builder()
                .collectionStrategy(collector)
                .maxPauseTime(maxPause)
                .collectionThreshold(0.9)
                .youngGenerationThreshold(youngThreshold)
                .build())
        .build();
  }

  /**
   * Milliseconds to collect {@code objects} objects of cyclic garbage ({@link #rings}): {@link
   * Timings} of the first collection of the JVM and of {@code runs} after {@code warmups} more.
   */
  static Timings fullCollectionOfCycles(String collector, int objects, int warmups, int runs) {
    double[] times = new double[1 + warmups + runs];
    for (int run = 0; run < times.length; run++) {
      try (OmegaMemory omega = system(collector, 1L << 30, Duration.ofMillis(100))) {
        ManagedHeap heap = omega.heap();
        rings(heap, objects);
        quietJvm();
        long started = System.nanoTime();
        omega.garbageCollector().forceCollection();
        times[run] = (System.nanoTime() - started) / 1e6;
        if (heap.objectCount() != 0) {
          throw new AssertionError(collector + " left " + heap.objectCount() + " objects");
        }
      }
    }
    return Timings.of(times, warmups);
  }

  /** Builds {@code objects} objects of cyclic garbage, in rings of {@link #RING} objects. */
  private static void rings(ManagedHeap heap, int objects) {
    try (HeapScope scope = heap.openScope()) {
      for (int made = 0; made < objects; made += RING) {
        HeapObject first = heap.allocate(1, 0);
        HeapObject prev = first;
        for (int i = 1; i < RING; i++) {
          HeapObject next = heap.allocate(1, 0);
          heap.setReference(prev, 0, next);
          prev = next;
        }
        heap.setReference(prev, 0, first);
      }
    }
  }

  /**
   * The first of a series of timed collections, each in a new system of the same JVM, and the
   * median of those after the warm-up ones. The first runs the collector's loops before the JIT has
   * compiled them, which a long-running program's collections do not; and the next few can run
   * half-compiled code, so the warm median starts only after several warm-up runs.
   */
  record Timings(double first, double median, double min, double max) {
    /** As the run prints it: {@code first F, median M (min..max)}, in ms. */
    String describe() {
      return String.format(
          Locale.ROOT, "first %6.1f, median %6.1f (%.1f..%.1f)", first, median, min, max);
    }

    static Timings of(double[] times, int warmups) {
      double[] measured = Arrays.copyOfRange(times, 1 + warmups, times.length);
      return new Timings(
          times[0],
          CollectorFigures.median(measured),
          Arrays.stream(measured).min().orElseThrow(),
          Arrays.stream(measured).max().orElseThrow());
    }
  }

  /**
   * Milliseconds of one young collection: {@code garbage} objects of young cyclic garbage ({@link
   * #rings}) while {@code live} objects, a chain from one root, are in older generations; as {@link
   * #fullCollectionOfCycles}.
   */
  static Timings youngCollection(int live, int garbage, int warmups, int runs) {
    double[] times = new double[1 + warmups + runs];
    for (int run = 0; run < times.length; run++) {
      // The threshold is raised so the garbage piles up in generation 0 for one young collection.
      try (OmegaMemory omega =
          system("generational", 1L << 30, Duration.ofMillis(100), garbage + 1)) {
        ManagedHeap heap = omega.heap();
        HeapObject root = heap.allocate(1, 0);
        heap.addRoot(root);
        try (HeapScope scope = heap.openScope()) {
          HeapObject prev = root;
          for (int i = 0; i < live; i++) {
            HeapObject next = heap.allocate(1, 0);
            heap.setReference(prev, 0, next);
            prev = next;
          }
        }
        omega.garbageCollector().forceCollection();
        omega.garbageCollector().forceCollection();
        rings(heap, garbage);
        long before = heap.objectCount();
        quietJvm();
        long started = System.nanoTime();
        omega.garbageCollector().collect(CollectionCause.THRESHOLD);
        times[run] = (System.nanoTime() - started) / 1e6;
        if (before - heap.objectCount() < garbage) {
          throw new AssertionError("young collection freed " + (before - heap.objectCount()));
        }
      }
    }
    return Timings.of(times, warmups);
  }

  /**
   * Collects the JVM's own heap before a timed collection (as JMH's {@code -gc true} does between
   * iterations): building a million-object graph leaves the JVM with garbage of its own, and on a
   * 2-CPU machine its concurrent collector otherwise competes with the collection being timed.
   */
  private static void quietJvm() {
    System.gc();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
