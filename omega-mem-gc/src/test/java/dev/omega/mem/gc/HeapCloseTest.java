package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Closing a heap while mutators still allocate and the background collector runs: a program that
 * shuts down without joining its threads, or a test that timed out. The close must return, and the
 * mutators must end with "heap is closed" rather than hang or corrupt anything.
 */
class HeapCloseTest {

  static List<GarbageCollectorProvider> collectors() {
    return List.of(
        new BuiltInCollectors.Generational(),
        new BuiltInCollectors.MarkSweep(),
        new BuiltInCollectors.Incremental(),
        new BuiltInCollectors.ReferenceCounting());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("collectors")
  void close_racingMutatorsAndTheBackgroundCollector_returnsAndRefusesThem(
      GarbageCollectorProvider provider) throws Exception {
    for (int round = 0; round < 10; round++) {
      ArrayMemoryManager manager = new ArrayMemoryManager(4L << 20);
      OffHeapManagedHeap heap =
          new OffHeapManagedHeap(
              GarbageCollectorConfig.builder()
                  .collectionStrategy(provider.name())
                  .collectionThreshold(0.3)
                  .youngGenerationThreshold(200)
                  .maxPauseTime(Duration.ofMillis(1))
                  .build(),
              manager,
              provider);
      HeapObject ballast = heap.allocate(1, 8);
      heap.addRoot(ballast);
      while (heap.usedBytes() < 0.35 * heap.capacityBytes()) {
        HeapObject next = heap.allocate(1, 8);
        heap.setReference(next, 0, heap.getReference(ballast, 0));
        heap.setReference(ballast, 0, next);
      }
      assertTrue(heap.collector().startCollectionCycle());
      List<Throwable> ends = Collections.synchronizedList(new ArrayList<>());
      List<Thread> mutators = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        mutators.add(
            Thread.ofPlatform()
                .daemon()
                .start(
                    () -> {
                      try {
                        while (true) {
                          heap.allocate(1, 32); // garbage at once: threshold collections
                        }
                      } catch (Throwable e) {
                        ends.add(e);
                      }
                    }));
      }
      Thread.sleep(20);
      Thread closer = Thread.ofPlatform().daemon().start(heap::close);
      closer.join(TimeUnit.SECONDS.toMillis(30));
      if (closer.isAlive()) {
        fail(provider.name() + ": close still waiting after 30 s (round " + round + ")");
      }
      for (Thread m : mutators) {
        m.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(m.isAlive(), "a mutator still runs after the close");
      }
      assertEquals(8, ends.size());
      for (Throwable e : ends) {
        assertInstanceOf(IllegalStateException.class, e, String.valueOf(e));
        assertTrue(String.valueOf(e.getMessage()).contains("closed"), e.getMessage());
      }
      assertFalse(heap.collector().isCollectionCycleRunning());
      assertEquals(0, manager.liveBlocks(), "the close returned every block");
    }
  }
}
