package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.ManagedHeapProvider;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GcDiscoveryTest {
  @Test
  void serviceLoader_findsTheFourCollectorsAndTheHeap() {
    Set<String> collectors = new TreeSet<>();
    ServiceLoader.load(GarbageCollectorProvider.class).forEach(p -> collectors.add(p.name()));
    assertEquals(
        Set.of("generational", "incremental", "mark-sweep", "reference-counting"), collectors);
    Set<String> heaps = new TreeSet<>();
    ServiceLoader.load(ManagedHeapProvider.class).forEach(p -> heaps.add(p.name()));
    assertEquals(Set.of("off-heap"), heaps);
  }
}
