package dev.omega.mem.api;

import static dev.omega.mem.api.ConfigurationAssertions.assertRejected;
import static dev.omega.mem.api.ConfigurationAssertions.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryPoolConfigTest {
  private static final String BLOCK_SIZES = "a power of two between 512 and 1 MiB";

  @Test
  void defaults_build_withTheDocumentedValues() {
    MemoryPoolConfig c = MemoryPoolConfig.defaults();
    assertEquals(100L << 20, c.poolSize());
    assertEquals(4096, c.blockSize());
    assertEquals("sequential", c.allocationStrategy());
    assertEquals(true, c.enableCompaction());
    assertEquals(0.15, c.maxFragmentationThreshold());
    assertEquals(false, c.preTouch());
    assertEquals(25_600, c.pageCount());
  }

  @Test
  void toBuilder_build_givesAnEqualConfig() {
    MemoryPoolConfig c =
        MemoryPoolConfig.builder()
            .poolSize(1 << 20)
            .blockSize(512)
            .allocationStrategy("worst-fit")
            .enableCompaction(false)
            .maxFragmentationThreshold(0)
            .preTouch(true)
            .build();
    assertEquals(c, c.toBuilder().build());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -4096, 256, 511, 1000, 4097, 2 << 20})
  void blockSize_outsideThePowersOfTwoFrom512To1MiB_isRejected(int blockSize) {
    assertRejected(
        () -> MemoryPoolConfig.builder().blockSize(blockSize).build(),
        problem("block_size", blockSize, BLOCK_SIZES));
  }

  @ParameterizedTest
  @ValueSource(ints = {512, 4096, 1 << 20})
  void blockSize_atTheBoundsOrBetween_isAccepted(int blockSize) {
    assertEquals(blockSize, MemoryPoolConfig.builder().blockSize(blockSize).build().blockSize());
  }

  @Test
  void blockSize_1000_isRejectedWithTheMessageTheReadmeShows() {
    ConfigurationException e =
        assertRejected(
            () -> MemoryPoolConfig.builder().blockSize(1000).build(),
            problem("block_size", 1000, BLOCK_SIZES));
    assertEquals(
        "invalid configuration: block_size: 1000 (expected: a power of two between 512 and 1 MiB)",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, (64L << 10) - 1, (1L << 40) + 4096})
  void poolSize_outside64KiBTo1TiB_isRejected(long poolSize) {
    assertRejected(
        () -> MemoryPoolConfig.builder().poolSize(poolSize).build(),
        problem("pool_size", poolSize, "between 64 KiB and 1 TiB"));
  }

  @Test
  void poolSize_notAMultipleOfBlockSize_isRejectedNamingTheBlockSize() {
    assertRejected(
        () -> MemoryPoolConfig.builder().poolSize((1 << 20) + 512).blockSize(4096).build(),
        problem("pool_size", (1L << 20) + 512, "a multiple of block_size (4096 bytes)"));
  }

  @Test
  void poolSize_whenBlockSizeIsBad_isNotAlsoBlamedForTheMultiple() {
    assertRejected(
        () -> MemoryPoolConfig.builder().poolSize((1 << 20) + 512).blockSize(1000).build(),
        problem("block_size", 1000, BLOCK_SIZES));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Sequential", "1st", "best fit", "worst_fit", "-x"})
  void allocationStrategy_notALowerCaseName_isRejected(String name) {
    assertRejected(
        () -> MemoryPoolConfig.builder().allocationStrategy(name).build(),
        problem(
            "allocation_strategy", name, "a strategy name such as sequential, random or batch"));
  }

  @Test
  void allocationStrategy_null_isRejected() {
    assertRejected(
        () -> MemoryPoolConfig.builder().allocationStrategy(null).build(),
        problem(
            "allocation_strategy", null, "a strategy name such as sequential, random or batch"));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY})
  void maxFragmentationThreshold_outside0To1_isRejected(double threshold) {
    assertRejected(
        () -> MemoryPoolConfig.builder().maxFragmentationThreshold(threshold).build(),
        problem("max_fragmentation_threshold", threshold, "a number from 0 to 1"));
  }

  @Test
  void everyBadValue_isReportedTogether_inTheOrderTheKeysAreChecked() {
    ConfigurationException e =
        assertRejected(
            () ->
                MemoryPoolConfig.builder()
                    .poolSize(1)
                    .blockSize(1000)
                    .allocationStrategy("X")
                    .maxFragmentationThreshold(2)
                    .build(),
            problem("block_size", 1000, BLOCK_SIZES),
            problem("pool_size", 1L, "between 64 KiB and 1 TiB"),
            problem(
                "allocation_strategy", "X", "a strategy name such as sequential, random or batch"),
            problem("max_fragmentation_threshold", 2.0, "a number from 0 to 1"));
    assertEquals(
        "invalid configuration (4 problems):\n"
            + "  block_size: 1000 (expected: a power of two between 512 and 1 MiB)\n"
            + "  pool_size: 1 (expected: between 64 KiB and 1 TiB)\n"
            + "  allocation_strategy: X (expected: a strategy name such as sequential, random or"
            + " batch)\n"
            + "  max_fragmentation_threshold: 2.0 (expected: a number from 0 to 1)",
        e.getMessage());
  }
}
