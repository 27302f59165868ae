package com.example.omega.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.runtime.OmegaMemoryConfigLoader;
import dev.omega.mem.spi.GarbageCollectorProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The jar works as a plugin: found by ServiceLoader and chosen by name in the configuration. */
class TracingCollectorPluginTest {

  @Test
  void serviceLoader_findsTheProviderInThisJar() {
    assertTrue(
        ServiceLoader.load(GarbageCollectorProvider.class).stream()
            .anyMatch(p -> p.type() == TracingCollectorProvider.class),
        "META-INF/services/dev.omega.mem.spi.GarbageCollectorProvider lists the provider");
  }

  @Test
  void collectionStrategy_tracing_assemblesWithThisCollector() {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .config(OmegaMemoryConfigLoader.parse("pool_size = 16MiB\ncollection_strategy = tracing"))
            .build()) {
      assertEquals("tracing", omega.garbageCollector().name());
      ManagedHeap heap = omega.heap();
      HeapObject kept = heap.allocate(1, 8);
      heap.addRoot(kept);
      heap.allocate(0, 8); // unreachable: no root, no scope
      assertTrue(omega.garbageCollector().forceCollection());
      assertEquals(1, heap.objectCount(), "the unrooted object was collected");
    }
  }
}
