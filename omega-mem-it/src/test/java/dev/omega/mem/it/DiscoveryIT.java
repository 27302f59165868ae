package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.runtime.PluginCatalog;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every SPI kind is found by ServiceLoader, built-in providers and this module's own plugins. */
@Tag("basic_allocation")
class DiscoveryIT {
  private final PluginCatalog catalog = PluginCatalog.discover();

  @Test
  void strategies_builtInAndUserWritten() {
    assertEquals(
        Set.of("batch", "random", "sequential", "worst-fit"), catalog.strategies().keySet());
  }

  @Test
  void collectors_builtInAndUserWritten() {
    assertEquals(
        Set.of(
            "epsilon",
            "faulty",
            "generational",
            "incremental",
            "mark-sweep",
            "reference-counting",
            "tracing"),
        catalog.collectors().keySet());
    assertTrue(catalog.collectors().get("generational").traits().generational());
    assertTrue(catalog.collectors().get("incremental").traits().incremental());
    assertTrue(catalog.collectors().get("reference-counting").traits().countsReferences());
  }

  @Test
  void managerAndHeap_exactlyOneEach() {
    assertEquals(Set.of("off-heap"), catalog.managers().keySet());
    assertEquals(Set.of("off-heap"), catalog.heaps().keySet());
  }
}
