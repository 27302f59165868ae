package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.monitor.MemoryMetrics;
import dev.omega.mem.api.monitor.PerformanceReport;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The monitor and its exporters as the runtime assembles them from configuration. */
@Tag("performance_benchmarks")
class MonitoringIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private static OmegaMemory system(PerformanceMonitorConfig monitor) {
    return OmegaMemory.builder()
        .pool(MemoryPoolConfig.builder().poolSize(16 << 20).build())
        .monitor(monitor)
        .build();
  }

  @Test
  void configuredExporters_start_andStopWithTheSystem() throws Exception {
    OmegaMemory omega =
        system(
            PerformanceMonitorConfig.builder()
                .metricsCollectionInterval(Duration.ofMillis(50))
                .dashboardPort(0)
                .exporters(List.of("jmx", "jfr"))
                .build());
    URI dashboard;
    ObjectName mbean;
    try (omega) {
      assertEquals(List.of("jmx", "jfr", "dashboard"), List.copyOf(omega.exporters().keySet()));
      dashboard = omega.dashboardAddress().orElseThrow();
      mbean =
          new ObjectName(
              omega.exporters().get("jmx").address().orElseThrow().getSchemeSpecificPart());
      MemoryBlock block = omega.memoryManager().allocate(1000, Priority.NORMAL);
      assertEquals(
          omega.memoryManager().getStatistics().allocatedBytes(),
          ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "AllocatedBytes"));
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(dashboard.resolve("/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertTrue(
          metrics.body().contains("omega_memory_live_blocks 1\n"), "Prometheus sees the block");
      omega.memoryManager().deallocate(block);
    }
    assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(mbean));
    assertThrows(
        java.io.IOException.class,
        () ->
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(dashboard.resolve("/metrics"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()),
        "the dashboard's port is closed with the system");
  }

  @Test
  void unknownExporter_isAConfigurationError_namingWhatIsInstalled() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> system(PerformanceMonitorConfig.builder().exporters(List.of("statsd")).build()));
    assertTrue(e.getMessage().contains("exporters"), e.getMessage());
    assertTrue(e.getMessage().contains("[statsd]"), e.getMessage());
    assertTrue(e.getMessage().contains("dashboard"), "lists the installed ones: " + e.getMessage());
  }

  @Test
  void monitor_seesAllocationsCollectionsAndLeaks_ofTheRealSystem() {
    OmegaMemory omega =
        invariants.closeAfter(
            system(
                PerformanceMonitorConfig.builder()
                    .metricsCollectionInterval(Duration.ofMillis(20))
                    .build()));
    invariants.track(omega.memoryManager());
    invariants.track(omega.heap());

    assertTrue(omega.monitor().isMonitoring(), "enable_real_time_monitoring starts it");
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      blocks.add(omega.memoryManager().allocate(64 + i % 512, Priority.NORMAL));
    }
    blocks.forEach(omega.memoryManager()::deallocate);
    try (HeapScope scope = omega.heap().openScope()) {
      for (int i = 0; i < 1000; i++) {
        HeapObject a = omega.heap().allocate(1, 16);
        HeapObject b = omega.heap().allocate(1, 16);
        omega.heap().setReference(a, 0, b);
        omega.heap().setReference(b, 0, a);
      }
    }
    omega.garbageCollector().forceCollection();
    MemoryMetrics m = omega.monitor().getMemoryMetrics();
    assertTrue(
        m.allocationLatency().samples() >= 20_000 / AllocationListener.SAMPLING_INTERVAL / 2,
        "about one allocation in SAMPLING_INTERVAL is timed: " + m.allocationLatency());
    assertTrue(m.gcPause().samples() >= 1, "the forced collection's pause is seen");
    PerformanceReport report = omega.monitor().generateReport();
    assertTrue(report.toText().contains("collector   generational"), report.toText());
  }
}
