package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gas is part of consensus: the same calls must cost the same on every collector and collection
 * threshold, though each frees garbage at other points.
 */
class GasAcrossCollectorsTest {

  /** Replaces a slot's object 2,000 times: two objects live throughout, 2,000 allocated. */
  private static long gasOf(GarbageCollectorProvider provider, double threshold) {
    GarbageCollectorConfig config =
        GarbageCollectorConfig.builder()
            .collectionStrategy(provider.name())
            .collectionThreshold(threshold)
            .deterministic(true)
            .build();
    try (OffHeapManagedHeap heap =
        new OffHeapManagedHeap(config, new ArrayMemoryManager(16L << 20), provider)) {
      HeapRefs r = heap.refs();
      long root = r.allocate(1, 8);
      r.addRoot(root);
      try (GasMeter meter = heap.meter(Long.MAX_VALUE / 2, GasSchedule.defaults())) {
        for (int i = 0; i < 2000; i++) {
          long o = r.allocate(0, 200);
          r.set(root, 0, o);
          r.setLong(o, 0, i);
        }
        return meter.used();
      }
    }
  }

  @Test
  void sameCalls_sameGas_onEveryCollectorAndThreshold() {
    List<Long> gas = new ArrayList<>();
    for (GarbageCollectorProvider provider : StateGraphs.collectors()) {
      for (double threshold : new double[] {0.05, 0.8}) {
        gas.add(gasOf(provider, threshold));
      }
    }
    for (long g : gas) {
      assertEquals(gas.getFirst(), g, "gas of each collector and threshold: " + gas);
    }
  }
}
