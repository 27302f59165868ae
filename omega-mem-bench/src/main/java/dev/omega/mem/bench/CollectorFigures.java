package dev.omega.mem.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Collector figures that a per-operation benchmark cannot give: the time of one big collection and
 * the pause distribution of a whole program. Each figure is the median of several runs after a
 * warm-up run.
 */
final class CollectorFigures {
  /** The collectors measured; {@code -Domega.bench.collectors=a,b} narrows the list. */
  static final String[] COLLECTORS =
      System.getProperty(
              "omega.bench.collectors", "mark-sweep,reference-counting,generational,incremental")
          .split(",");

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
   * Milliseconds to collect {@code objects} objects of cyclic garbage (rings of 10): {@link
   * Timings} of the first collection of the JVM and of {@code runs} after {@code warmups} more.
   */
  static Timings fullCollectionOfCycles(String collector, int objects, int warmups, int runs) {
    double[] times = new double[1 + warmups + runs];
    for (int run = 0; run < times.length; run++) {
      try (OmegaMemory omega = system(collector, 1L << 30, Duration.ofMillis(100))) {
        ManagedHeap heap = omega.heap();
        try (HeapScope scope = heap.openScope()) {
          for (int made = 0; made < objects; made += 10) {
            HeapObject first = heap.allocate(1, 0);
            HeapObject prev = first;
            for (int i = 1; i < 10; i++) {
              HeapObject next = heap.allocate(1, 0);
              heap.setReference(prev, 0, next);
              prev = next;
            }
            heap.setReference(prev, 0, first);
          }
        }
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

  /**
   * The first of a series of timed collections, each in a new system of the same JVM, and the
   * median of those after the warm-up ones. The first runs the collector's loops before the JIT has
   * compiled them, which a long-running program's collections do not: on 2 CPUs the first two or
   * three full collections of a million objects took 1.5 to 4 times the steady figure, so a median
   * of five after one warm-up mixed compiled and half-compiled runs.
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
   * Milliseconds of one young collection: {@code garbage} young garbage, {@code live} old objects;
   * as {@link #fullCollectionOfCycles}.
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
        for (int i = 0; i < garbage; i++) {
          heap.allocate(0, 0);
        }
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
   * Binary-trees on the managed heap with a background collector: wall ms, max and p99 pause ms,
   * pause count. A shallower run first warms the JIT (as JMH's warm-up would), so the first pauses
   * measured are not those of interpreted collector code. The pool is four times the program's peak
   * of live bytes (the long-lived tree and one tree being built), so occupancy crosses the
   * collection threshold and every collector runs, not only those that trigger on allocation count.
   */
  static double[] binaryTrees(String collector, int maxDepth, Duration maxPause) {
    binaryTreesOnce(collector, Math.min(maxDepth, 14), maxPause);
    return binaryTreesOnce(collector, maxDepth, maxPause);
  }

  private static double[] binaryTreesOnce(String collector, int maxDepth, Duration maxPause) {
    long peakLiveBytes = (2L << maxDepth) * 2 * (2 * 8 + 16);
    long pool = Math.max(16L << 20, Long.highestOneBit(peakLiveBytes * 4 - 1) << 1);
    try (OmegaMemory omega = system(collector, pool, maxPause)) {
      ManagedHeap heap = omega.heap();
      // -Domega.bench.pausesAbove=MS prints each longer pause with its generation and cause: what
      // decides the max-pause figure, and which collection to work on.
      double above = Double.parseDouble(System.getProperty("omega.bench.pausesAbove", "-1"));
      if (above >= 0) {
        omega
            .garbageCollector()
            .addCollectionListener(
                event -> {
                  if (event.pauseNanos() / 1e6 > above) {
                    System.out.printf(
                        Locale.ROOT,
                        "  pause %.2f ms: %s generation %d %s, freed %d, promoted %d%n",
                        event.pauseNanos() / 1e6,
                        event.collector(),
                        event.generation(),
                        event.cause(),
                        event.objectsFreed(),
                        event.objectsPromoted());
                  }
                });
      }
      omega.garbageCollector().startCollectionCycle();
      long started = System.nanoTime();
      try (HeapScope scope = heap.openScope()) {
        HeapObject longLived = tree(heap, maxDepth);
        for (int depth = 4; depth <= maxDepth; depth += 2) {
          int iterations = 1 << (maxDepth - depth + 4);
          for (int i = 0; i < iterations; i++) {
            try (HeapScope inner = heap.openScope()) {
              tree(heap, depth);
            }
          }
        }
        if (!longLived.isLive()) {
          throw new AssertionError("long-lived tree was collected");
        }
      }
      double wall = (System.nanoTime() - started) / 1e6;
      omega.garbageCollector().stopCollectionCycle();
      CollectionStatistics stats = omega.garbageCollector().getCollectionStatistics();
      return new double[] {
        wall,
        stats.pauses().maxNanos() / 1e6,
        stats.pauses().p99Nanos() / 1e6,
        stats.pauses().count()
      };
    }
  }

  /**
   * Builds a tree with O(depth) roots alive at any time: each node is rooted by its caller's scope,
   * its children only by a scope of their own until they are linked (the HandleScope idiom).
   */
  private static HeapObject tree(ManagedHeap heap, int depth) {
    HeapObject node = heap.allocate(2, 0);
    if (depth > 0) {
      try (HeapScope children = heap.openScope()) {
        heap.setReference(node, 0, tree(heap, depth - 1));
        heap.setReference(node, 1, tree(heap, depth - 1));
      }
    }
    return node;
  }

  /**
   * The same program on the JVM heap: wall ms and the longest pause the JVM's collector reported.
   */
  static double[] binaryTreesOnJvmHeap(int maxDepth) {
    AtomicLong maxPauseMillis = new AtomicLong();
    List<NotificationEmitter> emitters = new ArrayList<>();
    javax.management.NotificationListener listener =
        (notification, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
              notification.getType())) {
            var info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            if (!info.getGcAction().contains("concurrent")
                && !info.getGcName().contains("Concurrent")) {
              maxPauseMillis.accumulateAndGet(info.getGcInfo().getDuration(), Math::max);
            }
          }
        };
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (bean instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        emitters.add(emitter);
      }
    }
    long started = System.nanoTime();
    Node longLived = Node.tree(maxDepth);
    long sum = 0;
    for (int depth = 4; depth <= maxDepth; depth += 2) {
      int iterations = 1 << (maxDepth - depth + 4);
      for (int i = 0; i < iterations; i++) {
        sum += Node.tree(depth).check();
      }
    }
    sum += longLived.check();
    double wall = (System.nanoTime() - started) / 1e6;
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (javax.management.ListenerNotFoundException e) {
        // already gone
      }
    }
    return new double[] {wall, maxPauseMillis.get(), sum};
  }

  private record Node(Node left, Node right) {
    static Node tree(int depth) {
      return depth == 0 ? new Node(null, null) : new Node(tree(depth - 1), tree(depth - 1));
    }

    long check() {
      return left == null ? 1 : 1 + left.check() + right.check();
    }
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
