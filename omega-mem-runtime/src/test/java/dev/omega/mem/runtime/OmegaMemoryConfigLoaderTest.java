package dev.omega.mem.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.OmegaMemoryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OmegaMemoryConfigLoaderTest {

  @Test
  void parse_omegaKeys_fillEverySection() {
    OmegaMemoryConfig c =
        OmegaMemoryConfigLoader.parse(
            """
            pool_size = 64MiB
            block_size = 8192
            allocation_strategy = random
            enable_compaction = false
            max_fragmentation_threshold = 0.3
            pre_touch = true
            collection_strategy = mark-sweep
            collection_threshold = 0.7
            max_pause_time = 20ms
            enable_cycle_detection = false
            generational_count = 2
            young_generation_threshold = 700
            deterministic = true
            enable_real_time_monitoring = false
            metrics_collection_interval = 250ms
            enable_memory_leak_detection = false
            performance_thresholds { allocation_time = 2us, deallocation_time = 1us, gc_pause_time = 5ms }
            leak_detection = full
            critical_reserve = 0.1
            pressure_levels = [0.5, 0.9]
            fallback_enabled = true
            fallback_limit = 1GiB
            thread_cache_blocks = 16
            dashboard_port = 0
            dashboard_host = "0.0.0.0"
            dashboard_token = "a-long-enough-secret"
            exporters = [jmx, jfr]
            jmx_name = "com.example:type=Memory,name=orders"
            """);
    assertEquals(64L << 20, c.pool().poolSize());
    assertEquals(8192, c.pool().blockSize());
    assertEquals("random", c.pool().allocationStrategy());
    assertFalse(c.pool().enableCompaction());
    assertEquals(0.3, c.pool().maxFragmentationThreshold());
    assertTrue(c.pool().preTouch());
    assertEquals("mark-sweep", c.garbageCollector().collectionStrategy());
    assertEquals(Duration.ofMillis(20), c.garbageCollector().maxPauseTime());
    assertEquals(2, c.garbageCollector().generationalCount());
    assertEquals(Duration.ofMillis(250), c.monitor().metricsCollectionInterval());
    assertEquals(Duration.ofNanos(2000), c.monitor().performanceThresholds().allocationTime());
    assertEquals(LeakDetectionLevel.FULL, c.manager().leakDetection());
    assertEquals(List.of(0.5, 0.9), c.manager().pressureLevels());
    assertEquals(1L << 30, c.manager().fallbackLimit());
    assertEquals(16, c.manager().threadCacheBlocks());
    assertEquals(700, c.garbageCollector().youngGenerationThreshold());
    assertTrue(c.garbageCollector().deterministic());
    assertFalse(OmegaMemoryConfigLoader.parse("").garbageCollector().deterministic());
    assertEquals(0, c.monitor().dashboardPort());
    assertEquals("0.0.0.0", c.monitor().dashboardHost());
    assertEquals("a-long-enough-secret", c.monitor().dashboardToken());
    assertEquals(List.of("jmx", "jfr"), c.monitor().exporters());
    assertEquals("com.example:type=Memory,name=orders", c.monitor().jmxName());
  }

  @Test
  void parse_bareNumbers_takeTheOmegaDocumentationUnits() {
    OmegaMemoryConfig c =
        OmegaMemoryConfigLoader.parse(
            "max_pause_time = 100\nmetrics_collection_interval = 1000\n"
                + "performance_thresholds { allocation_time = 10, deallocation_time = 5, gc_pause_time = 50 }");
    assertEquals(Duration.ofMillis(100), c.garbageCollector().maxPauseTime());
    assertEquals(Duration.ofSeconds(1), c.monitor().metricsCollectionInterval());
    assertEquals(Duration.ofNanos(10_000), c.monitor().performanceThresholds().allocationTime());
    assertEquals(Duration.ofNanos(5_000), c.monitor().performanceThresholds().deallocationTime());
    assertEquals(Duration.ofMillis(50), c.monitor().performanceThresholds().gcPauseTime());
  }

  @Test
  void parse_empty_givesDefaults() {
    assertEquals(OmegaMemoryConfig.defaults(), OmegaMemoryConfigLoader.parse(""));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "block_size = 1000 | block_size | 1000 | a power of two between 512 and 1 MiB",
        "pool_size = 10 | pool_size | 10 | between 64 KiB and 1 TiB",
        "pool_size = 100000 | pool_size | 100000 | a multiple of block_size",
        "pool_size = lots | pool_size | lots | a size in bytes",
        "allocation_strategy = \"Best Fit\" | allocation_strategy | Best Fit | a strategy name",
        "max_fragmentation_threshold = 1.5 | max_fragmentation_threshold | 1.5 | a number from 0 to 1",
        "collection_threshold = 0 | collection_threshold | 0.0 | a fraction above 0",
        "max_pause_time = 10s10 | max_pause_time | 10s10 | a duration",
        "max_pause_time = 1us | max_pause_time | PT0.000001S | from 100us to 10s",
        "generational_count = 9 | generational_count | 9 | 1 to 8",
        "enable_compaction = sometimes | enable_compaction | sometimes | true or false",
        "pre_touch = 1GiB | pre_touch | 1GiB | true or false",
        "metrics_collection_interval = 1ms | metrics_collection_interval | PT0.001S | from 10ms to 1h",
        "leak_detection = loud | leak_detection | loud | one of DISABLED, SAMPLED, FULL",
        "critical_reserve = 0.9 | critical_reserve | 0.9 | a fraction from 0 to 0.5",
        "thread_cache_blocks = -1 | thread_cache_blocks | -1 | 0 to 4096",
        "dashboard_port = 70000 | dashboard_port | 70000 | -1 (off)",
        "pool_sise = 1MiB | pool_sise | 1MiB | a known key",
        "performance_thresholds { alloc_time = 1 } | performance_thresholds.alloc_time | {alloc_time=1} | one of",
        "performance_thresholds { gc_pause_time = 0 } | performance_thresholds.gc_pause_time | PT0S | a positive duration",
      })
  void parse_badValue_namesKeyValueAndWhatIsAllowed(
      String hocon, String key, String value, String expected) {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OmegaMemoryConfigLoader.parse(hocon));
    assertEquals(1, e.problems().size(), e.getMessage());
    ConfigProblem p = e.problems().get(0);
    assertEquals(key, p.key());
    assertEquals(value, String.valueOf(p.value()));
    assertTrue(p.expected().contains(expected), p.expected());
    assertTrue(e.getMessage().contains(key + ": "), e.getMessage());
  }

  @Test
  void parse_manyBadValues_reportsThemAllAtOnce() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                OmegaMemoryConfigLoader.parse(
                    "block_size = 3\ncollection_threshold = 2\ngenerational_count = 0\nwhat = 1"));
    assertEquals(4, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().startsWith("invalid configuration (4 problems):"), e.getMessage());
  }

  @Test
  void load_missingFile_namesThePath(@TempDir Path dir) {
    Path missing = dir.resolve("nope.conf");
    var e = assertThrows(ConfigurationException.class, () -> OmegaMemoryConfigLoader.load(missing));
    assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
  }

  @Test
  void load_file_readsIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("omega-mem.conf");
    Files.writeString(file, "pool_size = 1MiB\nallocation_strategy = batch\n");
    OmegaMemoryConfig c = OmegaMemoryConfigLoader.load(file);
    assertEquals(1 << 20, c.pool().poolSize());
    assertEquals("batch", c.pool().allocationStrategy());
  }
}
