package dev.omega.mem.api;

import static dev.omega.mem.api.ConfigurationAssertions.assertRejected;
import static dev.omega.mem.api.ConfigurationAssertions.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GarbageCollectorConfigTest {
  private static final String COLLECTOR_NAMES =
      "a collector name such as reference-counting, generational, mark-sweep or incremental";

  @Test
  void defaults_build_withTheDocumentedValues() {
    GarbageCollectorConfig c = GarbageCollectorConfig.defaults();
    assertEquals("generational", c.collectionStrategy());
    assertEquals(0.8, c.collectionThreshold());
    assertEquals(Duration.ofMillis(100), c.maxPauseTime());
    assertEquals(true, c.enableCycleDetection());
    assertEquals(3, c.generationalCount());
    assertEquals(10_000, c.youngGenerationThreshold());
    assertEquals(c, c.toBuilder().build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Mark-Sweep", "mark sweep", "9lives"})
  void collectionStrategy_notALowerCaseName_isRejected(String name) {
    assertRejected(
        () -> GarbageCollectorConfig.builder().collectionStrategy(name).build(),
        problem("collection_strategy", name, COLLECTOR_NAMES));
  }

  @Test
  void collectionStrategy_null_isRejected() {
    assertRejected(
        () -> GarbageCollectorConfig.builder().collectionStrategy(null).build(),
        problem("collection_strategy", null, COLLECTOR_NAMES));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -0.5, 1.0001, Double.NaN})
  void collectionThreshold_notAbove0AndAtMost1_isRejected(double threshold) {
    assertRejected(
        () -> GarbageCollectorConfig.builder().collectionThreshold(threshold).build(),
        problem("collection_threshold", threshold, "a fraction above 0 and at most 1"));
  }

  @Test
  void collectionThreshold_one_isAccepted() {
    assertEquals(
        1.0, GarbageCollectorConfig.builder().collectionThreshold(1).build().collectionThreshold());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 99_999, 10_000_000_001L})
  void maxPauseTime_outside100usTo10s_isRejected(long nanos) {
    Duration pause = Duration.ofNanos(nanos);
    assertRejected(
        () -> GarbageCollectorConfig.builder().maxPauseTime(pause).build(),
        problem("max_pause_time", pause, "from 100us to 10s"));
  }

  @Test
  void maxPauseTime_null_isRejected() {
    assertRejected(
        () -> GarbageCollectorConfig.builder().maxPauseTime(null).build(),
        problem("max_pause_time", null, "from 100us to 10s"));
  }

  @Test
  void maxPauseTime_atItsBounds_isAccepted() {
    for (Duration pause : new Duration[] {Duration.ofNanos(100_000), Duration.ofSeconds(10)}) {
      assertEquals(
          pause, GarbageCollectorConfig.builder().maxPauseTime(pause).build().maxPauseTime());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 9})
  void generationalCount_outside1To8_isRejected(int count) {
    assertRejected(
        () -> GarbageCollectorConfig.builder().generationalCount(count).build(),
        problem("generational_count", count, "1 to 8"));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -10, 1_000_000_001})
  void youngGenerationThreshold_outside1To1e9_isRejected(int threshold) {
    assertRejected(
        () -> GarbageCollectorConfig.builder().youngGenerationThreshold(threshold).build(),
        problem("young_generation_threshold", threshold, "1 to 1000000000"));
  }

  @Test
  void everyBadValue_isReportedTogether_inTheOrderTheKeysAreChecked() {
    assertRejected(
        () ->
            GarbageCollectorConfig.builder()
                .collectionStrategy("")
                .collectionThreshold(0)
                .maxPauseTime(Duration.ZERO)
                .generationalCount(0)
                .youngGenerationThreshold(0)
                .build(),
        problem("collection_strategy", "", COLLECTOR_NAMES),
        problem("collection_threshold", 0.0, "a fraction above 0 and at most 1"),
        problem("max_pause_time", Duration.ZERO, "from 100us to 10s"),
        problem("generational_count", 0, "1 to 8"),
        problem("young_generation_threshold", 0, "1 to 1000000000"));
  }
}
