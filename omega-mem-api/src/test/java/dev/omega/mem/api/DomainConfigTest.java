package dev.omega.mem.api;

import static dev.omega.mem.api.ConfigurationAssertions.assertRejected;
import static dev.omega.mem.api.ConfigurationAssertions.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DomainConfigTest {
  private static final String POSITIVE = "a positive number";

  @Test
  void unlimited_hasNoLimits_andTheWithMethodsNarrowOneEach() {
    DomainConfig d = DomainConfig.unlimited("tenant");
    assertEquals(
        new DomainConfig("tenant", Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE),
        d);
    assertEquals(
        new DomainConfig("tenant", 1, 2, 3, 4),
        d.withMaxBytes(1).withMaxBlocks(2).withMaxAllocationSize(3).withMaxAllocationsPerSecond(4));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void name_blank_isRejected(String name) {
    assertRejected(
        () -> DomainConfig.unlimited(name), problem("domain.name", name, "a non-blank name"));
  }

  @Test
  void name_null_isRejected() {
    assertRejected(
        () -> DomainConfig.unlimited(null), problem("domain.name", null, "a non-blank name"));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void eachLimit_notPositive_isRejectedUnderItsOwnKey(long bad) {
    DomainConfig d = DomainConfig.unlimited("d");
    assertRejected(() -> d.withMaxBytes(bad), problem("domain.max_bytes", bad, POSITIVE));
    assertRejected(() -> d.withMaxBlocks(bad), problem("domain.max_blocks", bad, POSITIVE));
    assertRejected(
        () -> d.withMaxAllocationSize(bad), problem("domain.max_allocation_size", bad, POSITIVE));
    assertRejected(
        () -> d.withMaxAllocationsPerSecond(bad),
        problem("domain.max_allocations_per_second", bad, POSITIVE));
  }

  @Test
  void everyBadValue_isReportedTogether_inTheOrderTheKeysAreChecked() {
    assertRejected(
        () -> new DomainConfig(" ", 0, -1, 0, -2),
        problem("domain.name", " ", "a non-blank name"),
        problem("domain.max_bytes", 0L, POSITIVE),
        problem("domain.max_blocks", -1L, POSITIVE),
        problem("domain.max_allocation_size", 0L, POSITIVE),
        problem("domain.max_allocations_per_second", -2L, POSITIVE));
  }
}
