package dev.omega.mem.bench;

import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.runtime.OmegaMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Allocation throughput of the managed heap with one and with two mutator threads on one heap (the
 * {@code generational} collector collecting in the background): each thread builds linked pairs of
 * 2-slot objects through {@link HeapRefs}, in scopes of {@value #SCOPE} objects, as long as the
 * measurement runs. A plain loop over one start and one stop signal, as in {@link ManyThreads}, so
 * both thread counts are measured alike.
 */
final class HeapMutatorScaling {
  private HeapMutatorScaling() {}

  static final int SCOPE = 1024;

  /** Objects allocated per second, all threads together. */
  static double objectsPerSecond(String collector, int threads, long measureMillis)
      throws InterruptedException {
    try (OmegaMemory omega = CollectorFigures.system(collector, 512L << 20, Duration.ofMillis(5))) {
      omega.garbageCollector().startCollectionCycle();
      HeapRefs refs = omega.heap().refs();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong objects = new AtomicLong();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      long mine = 0;
                      try {
                        start.await();
                      } catch (InterruptedException e) {
                        return;
                      }
                      while (running.get()) {
                        int token = refs.enterScope();
                        for (int i = 0; i < SCOPE; i += 2) {
                          long a = refs.allocate(2, 0);
                          refs.set(a, 0, refs.allocate(2, 0));
                        }
                        refs.exitScope(token);
                        mine += SCOPE;
                      }
                      objects.addAndGet(mine);
                    }));
      }
      long started = System.nanoTime();
      start.countDown();
      Thread.sleep(measureMillis);
      running.set(false);
      for (Thread worker : workers) {
        worker.join();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      omega.garbageCollector().stopCollectionCycle();
      return objects.get() / seconds;
    }
  }

  /** Prints one and two threads' throughput and their ratio, for each collector given. */
  static void print(long measureMillis, String... collectors) throws InterruptedException {
    System.out.println();
    System.out.println(
        "## managed heap, mutator scaling: 2-slot objects allocated (and linked in pairs) per"
            + " second through HeapRefs, one heap, background collection");
    System.out.printf("%-22s %16s %16s %8s%n", "collector", "1 thread", "2 threads", "2 / 1");
    for (String collector : collectors) {
      objectsPerSecond(collector, 1, measureMillis / 2); // warm-up, a system of its own
      double one = objectsPerSecond(collector, 1, measureMillis);
      double two = objectsPerSecond(collector, 2, measureMillis);
      System.out.printf(
          Locale.ROOT, "%-22s %,16.0f %,16.0f %8.2f%n", collector, one, two, two / one);
    }
  }
}
