package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.gc.StateGraphs.Graph;
import dev.omega.mem.spi.GarbageCollectorProvider;
import java.io.ByteArrayInputStream;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * Property-based: a snapshot of any graph (random shapes, payloads, cycles, shared objects, several
 * roots, one held twice) restores, on every collector and from every collector, to a heap with the
 * same digest, the same roots and holds, no object more, and a snapshot of the same bytes.
 */
class SnapshotRoundTripPropertiesTest {

  @Property(tries = 40, seed = "20261207")
  void snapshotThenRestore_ofAnyGraph_givesTheSameStateOnEveryCollector(
      @ForAll @LongRange(min = 1, max = 1_000_000_000L) long seed) {
    Graph graph = StateGraphs.random(seed, 60);
    List<GarbageCollectorProvider> collectors = StateGraphs.collectors();
    for (int from = 0; from < collectors.size(); from++) {
      GarbageCollectorProvider source = collectors.get(from);
      GarbageCollectorProvider target = collectors.get((from + 1 + (int) (seed % 3)) % 4);
      boolean lends = (seed + from) % 2 == 0; // checked blocks take the other copy path
      try (OffHeapManagedHeap original = StateGraphs.heap(source, 16L << 20, lends);
          OffHeapManagedHeap restored = StateGraphs.heap(target, 16L << 20, !lends)) {
        StateGraphs.build(original, graph, seed + from);
        StateDigest digest = original.digest();
        byte[] snapshot = StateGraphs.snapshot(original);

        restored.restore(new ByteArrayInputStream(snapshot));

        String what = source.name() + " -> " + target.name();
        assertEquals(digest, restored.digest(), what);
        assertEquals(digest.objects(), restored.objectCount(), what + ": no object more");
        // The snapshot lists the roots and their holds, so equal bytes mean equal roots.
        assertArrayEquals(snapshot, StateGraphs.snapshot(restored), what);
        assertEquals(List.of(), restored.verifyIntegrity(), what);
      }
    }
  }
}
