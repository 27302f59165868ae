package dev.omega.mem.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Configuration of the performance monitor; the keys are those of {@code omega-mem.conf}.
 *
 * @param enableRealTimeMonitoring {@code enable_real_time_monitoring}: start sampling when the
 *     system is built
 * @param metricsCollectionInterval {@code metrics_collection_interval}: time between samples, 10 ms
 *     to 1 h
 * @param enableMemoryLeakDetection {@code enable_memory_leak_detection}: report leak suspects
 * @param performanceThresholds {@code performance_thresholds}: alert limits
 * @param historySize {@code history_size}: samples kept in memory, 1 to 1,000,000
 * @param historyFile {@code history_file}: where history is persisted, or {@code null} for none
 * @param dashboardPort {@code dashboard_port}: port of the dashboard, 0 for any free port, -1 off
 * @param dashboardHost {@code dashboard_host}: address the dashboard binds, loopback by default
 * @param dashboardToken {@code dashboard_token}: a secret every dashboard request must carry (as
 *     {@code Authorization: Bearer <token>} or {@code ?token=<token>}), or {@code null} for none;
 *     the dashboard refuses to start beyond loopback without one
 * @param exporters {@code exporters}: names of the metrics exporters to start, such as {@code [jmx,
 *     jfr]}; the dashboard is started by {@code dashboard_port} instead
 * @param jmxName {@code jmx_name}: the JMX {@code ObjectName} of the {@code jmx} exporter's MBean,
 *     {@value #DEFAULT_JMX_NAME} by default; stable across restarts so that a JMX client's saved
 *     queries keep working. A second system in the same JVM needs a name of its own.
 */
public record PerformanceMonitorConfig(
    boolean enableRealTimeMonitoring,
    Duration metricsCollectionInterval,
    boolean enableMemoryLeakDetection,
    PerformanceThresholds performanceThresholds,
    int historySize,
    Path historyFile,
    int dashboardPort,
    String dashboardHost,
    String dashboardToken,
    List<String> exporters,
    String jmxName) {

  /** Fewest characters a {@code dashboard_token} may have: a guess must not be practical. */
  public static final int MIN_TOKEN_LENGTH = 16;

  /** The MBean's name unless {@code jmx_name} says otherwise. */
  public static final String DEFAULT_JMX_NAME = "dev.omega.mem:type=OmegaMemory,name=omega";

  public PerformanceMonitorConfig {
    List<ConfigProblem> problems = new ArrayList<>();
    if (metricsCollectionInterval == null
        || metricsCollectionInterval.toMillis() < 10
        || metricsCollectionInterval.compareTo(Duration.ofHours(1)) > 0) {
      problems.add(
          new ConfigProblem(
              "metrics_collection_interval", metricsCollectionInterval, "from 10ms to 1h"));
    }
    if (performanceThresholds == null) {
      problems.add(
          new ConfigProblem(
              "performance_thresholds",
              null,
              "allocation_time, deallocation_time" + " and gc_pause_time"));
    }
    if (historySize < 1 || historySize > 1_000_000) {
      problems.add(new ConfigProblem("history_size", historySize, "1 to 1000000"));
    }
    if (dashboardPort < -1 || dashboardPort > 65535) {
      problems.add(
          new ConfigProblem("dashboard_port", dashboardPort, "-1 (off), 0 (any) or 1 to 65535"));
    }
    if (dashboardHost == null || dashboardHost.isBlank()) {
      problems.add(
          new ConfigProblem("dashboard_host", dashboardHost, "a host name or address to bind"));
    }
    if (dashboardToken != null && !acceptableToken(dashboardToken)) {
      problems.add(
          new ConfigProblem(
              "dashboard_token",
              hidden(dashboardToken),
              "at least "
                  + MIN_TOKEN_LENGTH
                  + " printable ASCII characters without spaces, or no token"));
    }
    if (exporters == null || exporters.stream().anyMatch(e -> e == null || e.isBlank())) {
      problems.add(
          new ConfigProblem("exporters", exporters, "a list of exporter names such as [jmx, jfr]"));
    } else {
      exporters = List.copyOf(new LinkedHashSet<>(exporters));
    }
    if (!acceptableObjectName(jmxName)) {
      problems.add(
          new ConfigProblem(
              "jmx_name", jmxName, "a JMX ObjectName without wildcards, domain:key=value[,...]"));
    }
    ConfigurationException.throwIfAny(problems);
  }

  /**
   * Whether {@code name} is a JMX ObjectName without wildcards: {@code domain:key=value[,...]},
   * with unquoted values. Checked by hand because this module imports nothing beyond {@code
   * java.*}.
   */
  private static boolean acceptableObjectName(String name) {
    return name != null && name.matches(OBJECT_NAME);
  }

  /** Domain, then one or more key=value properties; no wildcard, quote or newline anywhere. */
  private static final String OBJECT_NAME =
      "[^:*?\"\\n]+:[^:,=*?\"\\n]+=[^:,=*?\"\\n]+(,[^:,=*?\"\\n]+=[^:,=*?\"\\n]+)*";

  private static boolean acceptableToken(String token) {
    return token.length() >= MIN_TOKEN_LENGTH && token.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  /** What a message or {@link #toString()} shows of a token: its length, never its characters. */
  private static String hidden(String token) {
    return token == null ? "none" : "(" + token.length() + " characters, not shown)";
  }

  /** The record's usual form, with {@code dashboardToken} hidden so that a log never holds it. */
  @Override
  public String toString() {
    return "PerformanceMonitorConfig[enableRealTimeMonitoring="
        + enableRealTimeMonitoring
        + ", metricsCollectionInterval="
        + metricsCollectionInterval
        + ", enableMemoryLeakDetection="
        + enableMemoryLeakDetection
        + ", performanceThresholds="
        + performanceThresholds
        + ", historySize="
        + historySize
        + ", historyFile="
        + historyFile
        + ", dashboardPort="
        + dashboardPort
        + ", dashboardHost="
        + dashboardHost
        + ", dashboardToken="
        + hidden(dashboardToken)
        + ", exporters="
        + exporters
        + ", jmxName="
        + jmxName
        + "]";
  }

  /** Real-time monitoring on, 1 s interval, leak detection on, OMEGA thresholds, 3,600 samples. */
  public static PerformanceMonitorConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .enableRealTimeMonitoring(enableRealTimeMonitoring)
        .metricsCollectionInterval(metricsCollectionInterval)
        .enableMemoryLeakDetection(enableMemoryLeakDetection)
        .performanceThresholds(performanceThresholds)
        .historySize(historySize)
        .historyFile(historyFile)
        .dashboardPort(dashboardPort)
        .dashboardHost(dashboardHost)
        .dashboardToken(dashboardToken)
        .exporters(exporters)
        .jmxName(jmxName);
  }

  /** Builder; {@link #build()} validates every field at once. */
  public static final class Builder {
    private boolean enableRealTimeMonitoring = true;
    private Duration metricsCollectionInterval = Duration.ofSeconds(1);
    private boolean enableMemoryLeakDetection = true;
    private PerformanceThresholds performanceThresholds = PerformanceThresholds.defaults();
    private int historySize = 3600;
    private Path historyFile;
    private int dashboardPort = -1;
    private String dashboardHost = "127.0.0.1";
    private String dashboardToken;
    private List<String> exporters = List.of();
    private String jmxName = DEFAULT_JMX_NAME;

    private Builder() {}

    public Builder enableRealTimeMonitoring(boolean value) {
      this.enableRealTimeMonitoring = value;
      return this;
    }

    public Builder metricsCollectionInterval(Duration value) {
      this.metricsCollectionInterval = value;
      return this;
    }

    public Builder enableMemoryLeakDetection(boolean value) {
      this.enableMemoryLeakDetection = value;
      return this;
    }

    public Builder performanceThresholds(PerformanceThresholds value) {
      this.performanceThresholds = value;
      return this;
    }

    public Builder historySize(int value) {
      this.historySize = value;
      return this;
    }

    public Builder historyFile(Path value) {
      this.historyFile = value;
      return this;
    }

    public Builder dashboardPort(int value) {
      this.dashboardPort = value;
      return this;
    }

    public Builder dashboardHost(String value) {
      this.dashboardHost = value;
      return this;
    }

    public Builder dashboardToken(String value) {
      this.dashboardToken = value;
      return this;
    }

    public Builder exporters(List<String> value) {
      this.exporters = value;
      return this;
    }

    public Builder jmxName(String value) {
      this.jmxName = value;
      return this;
    }

    public PerformanceMonitorConfig build() {
      return new PerformanceMonitorConfig(
          enableRealTimeMonitoring,
          metricsCollectionInterval,
          enableMemoryLeakDetection,
          performanceThresholds,
          historySize,
          historyFile,
          dashboardPort,
          dashboardHost,
          dashboardToken,
          exporters,
          jmxName);
    }
  }
}
