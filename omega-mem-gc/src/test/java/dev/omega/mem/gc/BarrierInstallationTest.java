package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How a collector meets the heap: its barriers are installed by the heap once the provider has
 * returned it, and pauses hand back what their work computed.
 */
class BarrierInstallationTest {

  /** A collector that only counts the allocations its barrier hears of. */
  private static final class CountingAllocations extends AbstractCollector {
    final AtomicInteger allocations = new AtomicInteger();

    CountingAllocations(GarbageCollectorConfig config, HeapAccess heap) {
      super(MarkSweepCollector.NAME, config, heap, 1);
    }

    @Override
    protected boolean collectNow(CollectionCause cause) {
      return false;
    }

    @Override
    public void onAllocate(long object) {
      allocations.incrementAndGet();
    }
  }

  private static OffHeapManagedHeap heapOn(CountingAllocations[] made) {
    GarbageCollectorProvider provider =
        new GarbageCollectorProvider() {
          @Override
          public String name() {
            return MarkSweepCollector.NAME;
          }

          @Override
          public CollectorTraits traits() {
            return CollectorTraits.of(CollectorTraits.Trait.CONCURRENT_MUTATORS);
          }

          @Override
          public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
            made[0] = new CountingAllocations(config, heap);
            return made[0];
          }
        };
    return new OffHeapManagedHeap(
        GarbageCollectorConfig.builder().collectionStrategy(provider.name()).build(),
        new ArrayMemoryManager(1L << 20),
        provider);
  }

  @Test
  void create_collectorThatIsAlsoHeapEvents_isInstalledByTheHeapOnceBuilt() {
    CountingAllocations[] made = new CountingAllocations[1];
    OffHeapManagedHeap heap = heapOn(made);
    assertSame(made[0], heap.collector());
    for (int i = 0; i < 3; i++) {
      heap.allocate(0, 8);
    }
    assertEquals(3, made[0].allocations.get(), "no collector installed itself; the heap did");
    heap.close();
  }

  @Test
  void stopTheWorldFor_returnsWhatTheWorkComputed_andHowLongMutatorsWereStopped() {
    OffHeapManagedHeap heap = heapOn(new CountingAllocations[1]);
    HeapObject object = heap.allocate(0, 8);
    heap.addRoot(object);
    HeapAccess.Pause<Long> pause = heap.access().stopTheWorldFor(heap::objectCount);
    assertEquals(1L, pause.value());
    assertTrue(pause.nanos() >= 0, "nanos: " + pause.nanos());
    heap.close();
  }

  @Test
  void stopTheWorldFor_onAClosedHeap_runsNothingAndReturnsNull() {
    OffHeapManagedHeap heap = heapOn(new CountingAllocations[1]);
    heap.close();
    boolean[] ran = new boolean[1];
    HeapAccess.Pause<String> pause =
        heap.access()
            .stopTheWorldFor(
                () -> {
                  ran[0] = true;
                  return "ran";
                });
    assertNull(pause.value());
    assertEquals(false, ran[0]);
  }
}
