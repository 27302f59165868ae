package dev.omega.mem.api;

import static dev.omega.mem.api.ConfigurationAssertions.assertRejected;
import static dev.omega.mem.api.ConfigurationAssertions.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PerformanceMonitorConfigTest {
  private static final String THRESHOLD = "a positive duration such as 10us or 50ms";

  @Test
  void defaults_build_withTheDocumentedValues() {
    PerformanceMonitorConfig c = PerformanceMonitorConfig.defaults();
    assertEquals(true, c.enableRealTimeMonitoring());
    assertEquals(Duration.ofSeconds(1), c.metricsCollectionInterval());
    assertEquals(true, c.enableMemoryLeakDetection());
    assertEquals(PerformanceThresholds.defaults(), c.performanceThresholds());
    assertEquals(3600, c.historySize());
    assertEquals(-1, c.dashboardPort());
    assertEquals("127.0.0.1", c.dashboardHost());
    assertEquals(List.of(), c.exporters());
    assertEquals(c, c.toBuilder().build());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 9_999_999, 3_600_000_000_001L})
  void metricsCollectionInterval_outside10msTo1h_isRejected(long nanos) {
    Duration interval = Duration.ofNanos(nanos);
    assertRejected(
        () -> PerformanceMonitorConfig.builder().metricsCollectionInterval(interval).build(),
        problem("metrics_collection_interval", interval, "from 10ms to 1h"));
  }

  @Test
  void metricsCollectionInterval_atItsBounds_isAccepted() {
    for (Duration interval : new Duration[] {Duration.ofMillis(10), Duration.ofHours(1)}) {
      assertEquals(
          interval,
          PerformanceMonitorConfig.builder()
              .metricsCollectionInterval(interval)
              .build()
              .metricsCollectionInterval());
    }
  }

  @Test
  void performanceThresholds_null_isRejected() {
    assertRejected(
        () -> PerformanceMonitorConfig.builder().performanceThresholds(null).build(),
        problem(
            "performance_thresholds",
            null,
            "allocation_time, deallocation_time and gc_pause_time"));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1_000_001})
  void historySize_outside1To1000000_isRejected(int size) {
    assertRejected(
        () -> PerformanceMonitorConfig.builder().historySize(size).build(),
        problem("history_size", size, "1 to 1000000"));
  }

  @ParameterizedTest
  @ValueSource(ints = {-2, 65_536})
  void dashboardPort_outsideMinus1To65535_isRejected(int port) {
    assertRejected(
        () -> PerformanceMonitorConfig.builder().dashboardPort(port).build(),
        problem("dashboard_port", port, "-1 (off), 0 (any) or 1 to 65535"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  void dashboardHost_blank_isRejected(String host) {
    assertRejected(
        () -> PerformanceMonitorConfig.builder().dashboardHost(host).build(),
        problem("dashboard_host", host, "a host name or address to bind"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "short-token", "sixteen chars ok", "tab\tin-a-long-token"})
  void dashboardToken_shortOrWithSpaces_isRejectedWithoutEchoingIt(String token) {
    assertRejected(
        () -> PerformanceMonitorConfig.builder().dashboardToken(token).build(),
        problem(
            "dashboard_token",
            "(" + token.length() + " characters, not shown)",
            "at least 16 printable ASCII characters without spaces, or no token"));
  }

  @Test
  void toString_withAToken_hidesIt() {
    PerformanceMonitorConfig c =
        PerformanceMonitorConfig.builder().dashboardToken("s3cret-s3cret-s3cret").build();

    assertEquals("s3cret-s3cret-s3cret", c.dashboardToken());
    assertEquals(c, c.toBuilder().build());
    assertEquals(false, c.toString().contains("s3cret"), c.toString());
  }

  @Test
  void exporters_nullOrWithABlankName_areRejected() {
    String expected = "a list of exporter names such as [jmx, jfr]";
    assertRejected(
        () -> PerformanceMonitorConfig.builder().exporters(null).build(),
        problem("exporters", null, expected));
    List<String> withBlank = List.of("jmx", " ");
    assertRejected(
        () -> PerformanceMonitorConfig.builder().exporters(withBlank).build(),
        problem("exporters", withBlank, expected));
    List<String> withNull = Arrays.asList("jmx", null);
    assertRejected(
        () -> PerformanceMonitorConfig.builder().exporters(withNull).build(),
        problem("exporters", withNull, expected));
  }

  @Test
  void jmxName_byDefault_isStableAndNamesNoCounter() {
    assertEquals(
        "dev.omega.mem:type=OmegaMemory,name=omega", PerformanceMonitorConfig.defaults().jmxName());
    assertEquals(
        PerformanceMonitorConfig.defaults().jmxName(),
        PerformanceMonitorConfig.defaults().jmxName());
  }

  @Test
  void jmxName_malformedOrAPattern_isRejected() {
    String expected = "a JMX ObjectName without wildcards, domain:key=value[,...]";
    assertRejected(
        () -> PerformanceMonitorConfig.builder().jmxName("no-domain").build(),
        problem("jmx_name", "no-domain", expected));
    assertRejected(
        () -> PerformanceMonitorConfig.builder().jmxName("dev.omega.mem:*").build(),
        problem("jmx_name", "dev.omega.mem:*", expected));
    assertRejected(
        () -> PerformanceMonitorConfig.builder().jmxName(null).build(),
        problem("jmx_name", null, expected));
  }

  @Test
  void exporters_repeated_areKeptOnceInTheirFirstOrder() {
    assertEquals(
        List.of("jfr", "jmx"),
        PerformanceMonitorConfig.builder()
            .exporters(List.of("jfr", "jmx", "jfr"))
            .build()
            .exporters());
  }

  @Test
  void everyBadValue_isReportedTogether_inTheOrderTheKeysAreChecked() {
    assertRejected(
        () ->
            PerformanceMonitorConfig.builder()
                .metricsCollectionInterval(Duration.ZERO)
                .performanceThresholds(null)
                .historySize(0)
                .dashboardPort(-2)
                .dashboardHost("")
                .exporters(null)
                .build(),
        problem("metrics_collection_interval", Duration.ZERO, "from 10ms to 1h"),
        problem(
            "performance_thresholds", null, "allocation_time, deallocation_time and gc_pause_time"),
        problem("history_size", 0, "1 to 1000000"),
        problem("dashboard_port", -2, "-1 (off), 0 (any) or 1 to 65535"),
        problem("dashboard_host", "", "a host name or address to bind"),
        problem("exporters", null, "a list of exporter names such as [jmx, jfr]"));
  }

  @Test
  void performanceThresholds_zeroNegativeOrMissing_areRejectedTogether() {
    assertRejected(
        () -> new PerformanceThresholds(Duration.ZERO, Duration.ofNanos(-1), null),
        problem("performance_thresholds.allocation_time", Duration.ZERO, THRESHOLD),
        problem("performance_thresholds.deallocation_time", Duration.ofNanos(-1), THRESHOLD),
        problem("performance_thresholds.gc_pause_time", null, THRESHOLD));
  }

  @Test
  void performanceThresholds_defaults_areTheOmegaLimits() {
    PerformanceThresholds t = PerformanceThresholds.defaults();
    assertEquals(Duration.ofNanos(10_000), t.allocationTime());
    assertEquals(Duration.ofNanos(5_000), t.deallocationTime());
    assertEquals(Duration.ofMillis(50), t.gcPauseTime());
  }
}
