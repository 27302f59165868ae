package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 256 mutator threads on one managed heap while its collector runs in the background: each builds
 * linked lists in its own scope, hands some to a global root, and checks every node's contents as
 * it goes. Afterwards the collector's bookkeeping must match the graph and nothing reachable may be
 * lost.
 */
@Tag("concurrent_access")
class HeapUnderLoadIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"generational", "incremental", "reference-counting", "mark-sweep"})
  void threads256_mutateWhileTheCollectorRuns_andLoseNothing(String collector) throws Exception {
    OmegaMemory omega =
        invariants.closeAfter(
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(128 << 20).build())
                .garbageCollector(
                    GarbageCollectorConfig.builder()
                        .collectionStrategy(collector)
                        .maxPauseTime(Duration.ofMillis(5))
                        .build())
                .build());
    ManagedHeap heap = invariants.track(omega.heap());
    heap.collector().startCollectionCycle();
    int threads = 256;
    int lists = SuiteTally.scale(20, 200);
    int length = 20;
    AtomicLong corrupt = new AtomicLong();
    AtomicLong checked = new AtomicLong();
    AtomicLong operations = new AtomicLong();
    List<HeapObject> published = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long id = t;
      all.add(
          Thread.ofPlatform()
              .uncaughtExceptionHandler((th, e) -> failures.add(e))
              .start(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int l = 0; l < lists; l++) {
                      try (HeapScope scope = heap.openScope()) {
                        HeapObject head = heap.allocate(1, 16);
                        head.data().setLong(0, id);
                        head.data().setLong(8, l);
                        HeapObject tail = head;
                        for (int n = 1; n < length; n++) {
                          HeapObject node = heap.allocate(1, 16);
                          node.data().setLong(0, id);
                          node.data().setLong(8, n);
                          heap.setReference(tail, 0, node);
                          tail = node;
                          operations.addAndGet(2);
                        }
                        int n = 0;
                        for (HeapObject at = head; at != null; at = heap.getReference(at, 0), n++) {
                          if (at.data().getLong(0) != id) {
                            corrupt.incrementAndGet();
                          }
                        }
                        if (n != length) {
                          corrupt.incrementAndGet();
                        }
                        checked.addAndGet(n + 1); // each node's owner, and the list's length
                        if (l % 10 == 0) {
                          heap.addRoot(head);
                          published.add(head);
                        }
                      }
                    }
                  }));
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    heap.collector().stopCollectionCycle();
    assertEquals(List.of(), failures);
    heap.collector().forceCollection();
    for (HeapObject head : published) {
      int n = 0;
      for (HeapObject at = head; at != null; at = heap.getReference(at, 0)) {
        n++;
      }
      if (n != length) {
        corrupt.incrementAndGet();
      }
      checked.incrementAndGet();
    }
    assertEquals(
        0,
        SuiteTally.compared(checked.get(), corrupt.get()),
        "published lists survived whole, private ones were never torn");
    assertEquals((long) published.size() * length, heap.objectCount(), "only published lists live");
    assertTrue(heap.collector().getCollectionStatistics().totalCollections() > 0);
    for (HeapObject head : published) {
      heap.removeRoot(head);
    }
    SuiteTally.OPERATIONS.add(operations.get());
    SuiteTally.THREADS.accumulate(threads);
  }
}
