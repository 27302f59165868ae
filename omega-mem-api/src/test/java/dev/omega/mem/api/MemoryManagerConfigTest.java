package dev.omega.mem.api;

import static dev.omega.mem.api.ConfigurationAssertions.assertRejected;
import static dev.omega.mem.api.ConfigurationAssertions.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryManagerConfigTest {
  private static final String LEVELS = "ascending fractions above 0 and at most 1";

  @Test
  void defaults_build_withTheDocumentedValues() {
    MemoryManagerConfig c = MemoryManagerConfig.defaults();
    assertEquals(LeakDetectionLevel.DISABLED, c.leakDetection());
    assertEquals(128, c.leakSamplingInterval());
    assertEquals(true, c.reclaimLeaks());
    assertEquals(0.05, c.criticalReserveFraction());
    assertEquals(List.of(0.70, 0.85, 0.95), c.pressureLevels());
    assertEquals(false, c.fallbackEnabled());
    assertEquals(0, c.fallbackLimit());
    assertEquals(64, c.threadCacheBlocks());
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void leakDetection_null_isRejected() {
    assertRejected(
        () -> MemoryManagerConfig.builder().leakDetection(null).build(),
        problem("leak_detection", null, "one of DISABLED, SAMPLED, FULL"));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1_000_001})
  void leakSamplingInterval_outside1To1000000_isRejected(int interval) {
    assertRejected(
        () -> MemoryManagerConfig.builder().leakSamplingInterval(interval).build(),
        problem("leak_sampling_interval", interval, "1 to 1000000"));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.01, 0.51, Double.NaN})
  void criticalReserve_outside0To0point5_isRejected(double fraction) {
    assertRejected(
        () -> MemoryManagerConfig.builder().criticalReserveFraction(fraction).build(),
        problem("critical_reserve", fraction, "a fraction from 0 to 0.5"));
  }

  @Test
  void criticalReserve_atItsBounds_isAccepted() {
    for (double fraction : new double[] {0, 0.5}) {
      assertEquals(
          fraction,
          MemoryManagerConfig.builder()
              .criticalReserveFraction(fraction)
              .build()
              .criticalReserveFraction());
    }
  }

  @Test
  void pressureLevels_notAscendingFractions_areRejectedWithTheWholeList() {
    for (List<Double> levels :
        List.of(
            List.of(0.9, 0.8),
            List.of(0.5, 0.5),
            List.of(0.0),
            List.of(0.7, 1.1),
            Arrays.asList(0.7, null))) {
      assertRejected(
          () -> MemoryManagerConfig.builder().pressureLevels(levels).build(),
          problem("pressure_levels", levels, LEVELS));
    }
  }

  @Test
  void pressureLevels_null_isRejected() {
    assertRejected(
        () -> MemoryManagerConfig.builder().pressureLevels(null).build(),
        problem("pressure_levels", null, "a list of fractions"));
  }

  @Test
  void pressureLevels_areCopied_soTheCallersListCannotChangeThem() {
    List<Double> levels = new ArrayList<>(List.of(0.5, 1.0));
    MemoryManagerConfig c = MemoryManagerConfig.builder().pressureLevels(levels).build();
    levels.set(0, 0.99);
    assertEquals(List.of(0.5, 1.0), c.pressureLevels());
    assertThrows(UnsupportedOperationException.class, () -> c.pressureLevels().add(0.2));
  }

  @Test
  void fallbackLimit_negative_isRejected() {
    assertRejected(
        () -> MemoryManagerConfig.builder().fallbackLimit(-1).build(),
        problem("fallback_limit", -1L, "zero or more bytes"));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 4097})
  void threadCacheBlocks_outside0To4096_isRejected(int blocks) {
    assertRejected(
        () -> MemoryManagerConfig.builder().threadCacheBlocks(blocks).build(),
        problem("thread_cache_blocks", blocks, "0 to 4096"));
  }

  @Test
  void everyBadValue_isReportedTogether_inTheOrderTheKeysAreChecked() {
    List<Double> levels = List.of(0.9, 0.1);
    assertRejected(
        () ->
            MemoryManagerConfig.builder()
                .leakDetection(null)
                .leakSamplingInterval(0)
                .criticalReserveFraction(1)
                .pressureLevels(levels)
                .fallbackLimit(-5)
                .threadCacheBlocks(5000)
                .build(),
        problem("leak_detection", null, "one of DISABLED, SAMPLED, FULL"),
        problem("leak_sampling_interval", 0, "1 to 1000000"),
        problem("critical_reserve", 1.0, "a fraction from 0 to 0.5"),
        problem("pressure_levels", levels, LEVELS),
        problem("fallback_limit", -5L, "zero or more bytes"),
        problem("thread_cache_blocks", 5000, "0 to 4096"));
  }
}
