package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.PerformanceThresholds;
import dev.omega.mem.api.monitor.AlertType;
import dev.omega.mem.api.monitor.MemoryMetrics;
import dev.omega.mem.api.monitor.PerformanceAlert;
import dev.omega.mem.api.monitor.PerformanceReport;
import example.app.SiteAllocatingApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamplingPerformanceMonitorTest {
  private final FakeSystem fake = new FakeSystem();

  private SamplingPerformanceMonitor monitor(PerformanceMonitorConfig config) {
    return new SamplingPerformanceMonitor(config, fake.system(), Clock.systemUTC());
  }

  private static PerformanceMonitorConfig.Builder slow() {
    // A long interval, so tests drive the sampler with tick() and nothing races them.
    return PerformanceMonitorConfig.builder().metricsCollectionInterval(Duration.ofHours(1));
  }

  @Test
  void stopped_registersNoListener_soTheManagerTimesNothing() {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      assertTrue(fake.allocationListeners.isEmpty());
      assertTrue(monitor.startMonitoring());
      assertFalse(monitor.startMonitoring(), "second start reports it was running");
      assertEquals(1, fake.allocationListeners.size());
      assertEquals(1, fake.pressureListeners.size());
      assertTrue(monitor.stopMonitoring());
      assertFalse(monitor.stopMonitoring());
      assertTrue(fake.allocationListeners.isEmpty());
      assertTrue(fake.pressureListeners.isEmpty());
    }
  }

  @Test
  void sampler_takesSamplesAtTheConfiguredInterval() throws Exception {
    PerformanceMonitorConfig config =
        PerformanceMonitorConfig.builder()
            .metricsCollectionInterval(Duration.ofMillis(20))
            .historySize(5)
            .build();
    try (SamplingPerformanceMonitor monitor = monitor(config)) {
      monitor.startMonitoring();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (monitor.history().size() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(5, monitor.history().size(), "history fills up to history_size");
      Thread.sleep(100);
      assertEquals(5, monitor.history().size(), "and stays bounded");
    }
  }

  @Test
  void report_listsSampledAllocationSites_andFreesLowerTheirLiveFigures() throws Exception {
    try (SamplingPerformanceMonitor monitor =
        new SamplingPerformanceMonitor(
            slow().build(),
            fake.system(),
            Clock.systemUTC(),
            SamplingPerformanceMonitor.DEFAULT_HISTORY_FLUSH_PERIOD,
            AllocationSiteProfileTest.everyTimedAllocation())) {
      monitor.startMonitoring();
      AllocationListener listener = fake.allocationListeners.get(0);
      SiteAllocatingApp app =
          new SiteAllocatingApp(
              FakeBlocks::of, (block, size) -> listener.onAllocation(block, size, 50));
      List<MemoryBlock> small = app.smallBuffers(3);
      List<MemoryBlock> pages = app.pageBuffers(2);
      listener.onSampledFree(small.get(0), 64);

      JsonNode report = new ObjectMapper().readTree(monitor.generateReport().toJson());

      JsonNode sites = report.path("allocation_sites");
      assertEquals(AllocationListener.SAMPLING_INTERVAL, sites.path("sampling_interval").asInt());
      assertEquals(2, sites.path("sites").size(), sites.toString());
      JsonNode pageSite = sites.path("sites").get(0);
      assertTrue(
          pageSite.path("site").asText().startsWith("example.app.SiteAllocatingApp.pageBuffers("),
          pageSite.toString());
      assertEquals(2, pageSite.path("live_blocks").asLong());
      assertEquals(2 * 4096, pageSite.path("live_bytes").asLong());
      JsonNode smallSite = sites.path("sites").get(1);
      assertEquals(2, smallSite.path("live_blocks").asLong());
      assertEquals(3, smallSite.path("total_blocks").asLong());
      assertEquals(3 * 64, smallSite.path("total_bytes").asLong());
      assertEquals(AllocationSiteProfile.FRAMES, smallSite.path("frames").size());
      assertTrue(monitor.generateReport().toText().contains("SiteAllocatingApp.smallBuffers("));
      // A sampled allocation is a timed one too.
      assertEquals(5, monitor.getMemoryMetrics().allocationLatency().samples());
      assertEquals(2, pages.size(), "the blocks stay reachable, so none counts as leaked");
    }
  }

  @Test
  void metrics_reportSampledLatencies_andTheManagersFigures() {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      monitor.startMonitoring();
      AllocationListener listener = fake.allocationListeners.get(0);
      for (int i = 1; i <= 100; i++) {
        listener.onAllocation(64, i * 10L);
        listener.onDeallocation(64, 5);
      }
      fake.allocated = 4096;
      fake.allocations = 64;
      MemoryMetrics m = monitor.getMemoryMetrics();
      assertEquals(4096, m.allocatedBytes());
      assertEquals(1 << 20, m.capacityBytes());
      assertEquals(100, m.allocationLatency().samples());
      assertTrue(m.allocationLatency().p50Nanos() >= 500 && m.allocationLatency().p50Nanos() < 570);
      assertTrue(m.allocationLatency().p99Nanos() >= 990);
      assertEquals(5, m.deallocationLatency().p99Nanos());
      assertEquals(1.0, m.threadCacheHitRate());
    }
  }

  @Test
  void latencyAlert_israisedOnceWhileSlow_andAgainAfterRecovering() {
    PerformanceMonitorConfig config =
        slow()
            .performanceThresholds(
                new PerformanceThresholds(
                    Duration.ofNanos(1000), Duration.ofNanos(1000), Duration.ofMillis(50)))
            .build();
    try (SamplingPerformanceMonitor monitor = monitor(config)) {
      List<PerformanceAlert> heard = new CopyOnWriteArrayList<>();
      monitor.addAlertListener(heard::add);
      monitor.startMonitoring();
      AllocationListener listener = fake.allocationListeners.get(0);
      // Each window has enough timed calls for its p99 to be judged.
      int n = SamplingPerformanceMonitor.MIN_SAMPLES_FOR_P99;
      for (long nanos : new long[] {50_000, 60_000, 100, 70_000}) {
        for (int i = 0; i < n; i++) {
          listener.onAllocation(64, nanos);
        }
        monitor.tick();
      }
      // A window with a single slow call is one outlier, not a slow allocator.
      listener.onAllocation(64, 100);
      monitor.tick();
      listener.onAllocation(64, 90_000);
      monitor.tick();
      List<PerformanceAlert> latency =
          heard.stream().filter(a -> a.type() == AlertType.ALLOCATION_LATENCY).toList();
      assertEquals(2, latency.size(), "one per slow period: " + heard);
      assertTrue(latency.get(0).message().contains("allocation_time"), latency.get(0).message());
      assertEquals(1000, latency.get(0).threshold());
      assertEquals(heard, monitor.getPerformanceAlerts());
    }
  }

  @Test
  void leaks_failuresAndPressure_raiseAlerts_andNameTheirCause() throws Exception {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      monitor.startMonitoring();
      fake.leak(128, "Parser.java:42");
      fake.leak(256, "Parser.java:42");
      fake.leak(64, "Lexer.java:7");
      fake.failures.put(AllocationFailure.QUOTA, 3L);
      fake.pressureListeners.get(0).onPressure(0.8, 0.83, true);
      fake.pressureListeners.get(0).onPressure(0.8, 0.7, false);
      MemoryMetrics sample = monitor.tick();
      assertEquals(3, sample.leakSuspects());
      List<PerformanceAlert> alerts = monitor.getPerformanceAlerts();
      assertTrue(has(alerts, AlertType.MEMORY_LEAK, "Parser.java:42"), alerts.toString());
      assertTrue(has(alerts, AlertType.ALLOCATION_FAILURE, "QUOTA=3"), alerts.toString());
      assertTrue(has(alerts, AlertType.MEMORY_PRESSURE, "80%"), alerts.toString());
      assertEquals(3, alerts.size(), "falling pressure is not an alert: " + alerts);
      monitor.tick();
      assertEquals(3, monitor.getPerformanceAlerts().size(), "nothing new, nothing raised");

      PerformanceReport report = monitor.generateReport();
      assertTrue(
          report.bottlenecks().get(0).contains("Parser.java:42 leaked 2 block(s)"),
          report.bottlenecks().toString());
      assertTrue(report.toText().contains("Parser.java:42"));
      assertEquals(
          "Parser.java:42",
          new ObjectMapper()
              .readTree(report.toJson())
              .path("leak_sites")
              .get(0)
              .path("site")
              .asText(),
          report.toJson());
    }
  }

  @Test
  void fragmentationAboveTheThreshold_isAnAlert_andABottleneck() {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      monitor.startMonitoring();
      fake.fragmentation = 0.9;
      monitor.tick();
      assertTrue(has(monitor.getPerformanceAlerts(), AlertType.FRAGMENTATION, "0.900"));
      assertTrue(
          monitor.generateReport().bottlenecks().stream()
              .anyMatch(b -> b.contains("max_fragmentation_threshold")));
    }
  }

  @Test
  void sizeClassWithMostFailures_isNamed() {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      fake.sizeClassFailures = 9;
      fake.failures.put(AllocationFailure.OUT_OF_MEMORY, 9L);
      List<String> bottlenecks = monitor.generateReport().bottlenecks();
      assertTrue(
          bottlenecks.stream().anyMatch(b -> b.startsWith("size class 64 B refused 9")),
          bottlenecks.toString());
    }
  }

  @Test
  void alertListenerThatThrows_doesNotStopTheOthers() {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      List<PerformanceAlert> heard = new CopyOnWriteArrayList<>();
      monitor.addAlertListener(
          a -> {
            throw new IllegalStateException("listener bug");
          });
      monitor.addAlertListener(heard::add);
      monitor.startMonitoring();
      fake.failures.put(AllocationFailure.OUT_OF_MEMORY, 1L);
      monitor.tick();
      assertEquals(1, heard.size());
    }
  }

  @Test
  void history_persistsToItsFile_andALaterRunReadsItBack(@TempDir Path dir) {
    Path file = dir.resolve("history.tsv");
    PerformanceMonitorConfig config = slow().historyFile(file).build();
    List<MemoryMetrics> written;
    try (SamplingPerformanceMonitor monitor = monitor(config)) {
      monitor.startMonitoring();
      fake.allocated = 1000;
      fake.allocationListeners.get(0).onAllocation(64, 300);
      monitor.tick();
      fake.allocated = 2000;
      monitor.tick();
      written = monitor.history();
    }
    assertTrue(Files.exists(file));
    try (SamplingPerformanceMonitor later = monitor(config)) {
      List<MemoryMetrics> read = later.history();
      assertEquals(2, read.size());
      assertEquals(written.get(0).allocatedBytes(), read.get(0).allocatedBytes());
      assertEquals(written.get(0).allocationLatency(), read.get(0).allocationLatency());
      assertEquals(written.get(1).timestamp(), read.get(1).timestamp());
    }
  }

  @Test
  void construct_withAnEmptyHistoryFile_startsEmptyAndMovesItAside(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("history.tsv");
    Files.writeString(file, "");

    try (SamplingPerformanceMonitor monitor = monitor(slow().historyFile(file).build())) {
      assertEquals(List.of(), monitor.history());
      assertTrue(monitor.startMonitoring());
    }
    try (var left = Files.list(dir)) {
      assertTrue(
          left.anyMatch(p -> p.getFileName().toString().startsWith("history.tsv.corrupt-")),
          "the empty file was kept aside");
    }
  }

  @Test
  void tick_whenAFlushPeriodOfSamplesHasPassed_writesTheHistoryFile(@TempDir Path dir) {
    Path file = dir.resolve("history.tsv");
    PerformanceMonitorConfig config = slow().historyFile(file).build();
    // One hour a sample and a two-hour flush period: every second sample writes the file.
    try (SamplingPerformanceMonitor monitor =
        new SamplingPerformanceMonitor(
            config, fake.system(), Clock.systemUTC(), Duration.ofHours(2))) {
      monitor.startMonitoring();
      monitor.tick();
      assertFalse(Files.exists(file), "one sample: not yet");
      monitor.tick();
      assertTrue(Files.exists(file), "two samples: written while still monitoring");
      assertEquals(2, HistoryFile.load(file, 10).size());
    }
  }

  @Test
  void reports_renderInAllThreeForms() throws Exception {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      monitor.startMonitoring();
      fake.allocated = 8192;
      monitor.tick();
      PerformanceReport report = monitor.generateReport();
      assertTrue(report.toText().startsWith("Omega Memory performance report"));
      assertTrue(report.toText().contains("8.0 KiB allocated"), report.toText());
      JsonNode json = new ObjectMapper().readTree(report.toJson());
      assertTrue(json.path("generated_at").isTextual(), report.toJson());
      assertEquals(8192, json.path("current").path("allocated_bytes").asLong(), report.toJson());
      String html = report.toHtml();
      assertTrue(html.startsWith("<!DOCTYPE html>"));
      assertTrue(html.contains("const LIVE = false;"), "a saved report does not poll");
      assertTrue(html.contains("\"allocated_bytes\":8192"), "the data is embedded");
      assertFalse(html.contains("OMEGA_DATA"), "the placeholder is replaced");
      assertEquals(1, report.history().size());
    }
  }

  @Test
  void closedMonitor_refusesUse_andClosingTwiceIsHarmless() {
    SamplingPerformanceMonitor monitor = monitor(slow().build());
    monitor.startMonitoring();
    monitor.close();
    monitor.close();
    assertFalse(monitor.isMonitoring());
    assertTrue(fake.allocationListeners.isEmpty());
    IllegalStateException e = assertThrows(IllegalStateException.class, monitor::startMonitoring);
    assertTrue(e.getMessage().contains("closed"));
  }

  @Test
  void listenersCalledFromManyThreads_loseNoSample() throws Exception {
    try (SamplingPerformanceMonitor monitor = monitor(slow().build())) {
      monitor.startMonitoring();
      AllocationListener listener = fake.allocationListeners.get(0);
      int threads = 128;
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        Thread.ofPlatform()
            .start(
                () -> {
                  for (int i = 0; i < 1000; i++) {
                    listener.onAllocation(64, 100 + i);
                  }
                  done.countDown();
                });
      }
      assertTrue(done.await(30, TimeUnit.SECONDS));
      assertEquals(128_000, monitor.getMemoryMetrics().allocationLatency().samples());
    }
  }

  private static boolean has(List<PerformanceAlert> alerts, AlertType type, String text) {
    return alerts.stream().anyMatch(a -> a.type() == type && a.message().contains(text));
  }
}
