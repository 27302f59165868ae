package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.spi.HeapAccess;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollectorCountersTest {

  @Test
  void statistics_addPromptFreesToThoseOfCollections() {
    CollectorCounters counters = new CollectorCounters(2);
    counters.collected(0);
    counters.collected(1);
    counters.collected(0);
    counters.freed(3, 300);
    counters.swept(new HeapAccess.Swept(2, 200, 5));
    counters.freedPromptly(4, 40);
    counters.cyclesFound(7);
    CollectionStatistics stats = counters.statistics("test", PauseStatistics.empty());
    assertEquals(List.of(2L, 1L), stats.collectionsPerGeneration());
    assertEquals(3 + 2 + 4, stats.objectsFreed());
    assertEquals(300 + 200 + 40, stats.bytesFreed());
    assertEquals(5, stats.objectsPromoted());
    assertEquals(7, stats.cyclesFound());
  }

  @Test
  void since_aReading_namesOnlyWhatCameAfter_withoutPromptFrees() {
    CollectorCounters counters = new CollectorCounters(3);
    counters.collected(2);
    counters.freed(10, 1000);
    CollectorCounters.Reading before = counters.read();
    counters.swept(new HeapAccess.Swept(1, 16, 2));
    counters.freedPromptly(50, 500); // a barrier's frees belong to no collection
    counters.collected(1);
    assertEquals(1, counters.objectsFreedSince(before));
    assertEquals(16, counters.bytesFreedSince(before));
    assertEquals(2, counters.objectsPromotedSince(before));
    assertEquals(1, counters.oldestCollectedSince(before, 0), "generation 1 was collected since");
    assertEquals(2, counters.oldestCollectedSince(before, 2), "a step of generation 2 says so");
  }

  @Test
  void constructor_withoutAGenerationSlot_isRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new CollectorCounters(0));
    assertEquals("generation slots: 0 (expected: at least 1)", e.getMessage());
  }
}
