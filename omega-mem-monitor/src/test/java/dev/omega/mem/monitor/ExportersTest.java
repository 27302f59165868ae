package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionEvent;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.spi.MonitoredSystem;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportersTest {
  private final FakeSystem fake = new FakeSystem();
  private final GarbageCollector collector = mock(GarbageCollector.class);
  private final ManagedHeap heap = mock(ManagedHeap.class);
  private final List<CollectionListener> collectionListeners = new CopyOnWriteArrayList<>();
  private final MonitoredSystem system;
  private final SamplingPerformanceMonitor monitor;

  ExportersTest() {
    when(heap.collector()).thenReturn(collector);
    when(heap.objectCount()).thenReturn(42L);
    when(collector.name()).thenReturn("generational");
    when(collector.getCollectionStatistics())
        .thenReturn(
            new CollectionStatistics(
                "generational",
                List.of(3L, 1L, 0L),
                500,
                32_000,
                20,
                0,
                new PauseStatistics(
                    4,
                    4_000_000,
                    2_000_000,
                    1_000_000,
                    2_000_000,
                    List.of(1_000_000L, 10_000_000L),
                    List.of(2L, 2L, 0L))));
    doAnswer(i -> collectionListeners.add(i.getArgument(0)))
        .when(collector)
        .addCollectionListener(any());
    doAnswer(i -> collectionListeners.remove(i.<CollectionListener>getArgument(0)))
        .when(collector)
        .removeCollectionListener(any());
    system = new MonitoredSystem(fake.manager, Optional.of(heap));
    monitor =
        new SamplingPerformanceMonitor(
            PerformanceMonitorConfig.builder()
                .metricsCollectionInterval(Duration.ofHours(1))
                .dashboardPort(0)
                .build(),
            system,
            Clock.systemUTC());
  }

  @AfterEach
  void close() {
    monitor.close();
  }

  private void collection(long pauseNanos) {
    CollectionEvent event =
        new CollectionEvent("generational", CollectionCause.THRESHOLD, 1, pauseNanos, 10, 640, 2);
    collectionListeners.forEach(l -> l.onCollection(event));
  }

  @Test
  void dashboard_servesPageApiAndPrometheusText_onLoopback() throws Exception {
    fake.allocated = 12_288;
    monitor.startMonitoring();
    monitor.tick();
    DashboardServer dashboard = new DashboardServer(monitor, system, monitor.config());
    dashboard.start();
    try {
      URI base = dashboard.address().orElseThrow();
      assertTrue(base.getHost().equals("127.0.0.1"), base.toString());
      assertTrue(base.getPort() > 0);
      HttpClient http = HttpClient.newHttpClient();

      HttpResponse<String> page = get(http, base.resolve("/"));
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("const LIVE = true;"));

      HttpResponse<String> metrics = get(http, base.resolve("/api/metrics"));
      assertEquals(200, metrics.statusCode());
      assertTrue(
          metrics.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      JsonNode api = new ObjectMapper().readTree(metrics.body());
      assertEquals(12_288, api.path("current").path("allocated_bytes").asLong(), metrics.body());
      assertEquals(16, api.path("page_map").path("total_pages").asLong(), metrics.body());

      String prometheus = get(http, base.resolve("/metrics")).body();
      assertTrue(
          prometheus.contains(
              "# TYPE omega_memory_allocated_bytes gauge\nomega_memory_allocated_bytes 12288\n"),
          prometheus);
      assertTrue(prometheus.contains("omega_memory_failures_total{cause=\"quota\"} 0"));
      assertTrue(
          prometheus.contains(
              "omega_gc_pause_seconds_bucket{collector=\"generational\",le=\"0.001\"} 2"),
          prometheus);
      assertTrue(
          prometheus.contains(
              "omega_gc_pause_seconds_bucket{collector=\"generational\",le=\"+Inf\"} 4"));
      assertTrue(
          prometheus.contains(
              "omega_gc_collections_total{collector=\"generational\",generation=\"1\"} 1"));

      assertTrue(
          get(http, base.resolve("/api/report?format=text"))
              .body()
              .startsWith("Omega Memory performance report"));
      assertTrue(
          get(http, base.resolve("/api/report?format=html")).body().startsWith("<!DOCTYPE html>"));
      assertEquals(400, get(http, base.resolve("/api/report?format=pdf")).statusCode());
      assertTrue(get(http, base.resolve("/api/diagnosis")).body().startsWith("["));
      HttpResponse<String> missing = get(http, base.resolve("/nothing"));
      assertEquals(404, missing.statusCode());
      assertTrue(missing.body().contains("/api/metrics"), "a 404 lists what exists");
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(base.resolve("/api/metrics"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
    } finally {
      dashboard.close();
    }
    assertTrue(dashboard.address().isEmpty(), "closed: the port is released");
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The README's metrics table: figure, Micrometer, Prometheus, JMX, JFR. A cell holds one name, or
   * several separated by commas (a latency's Micrometer timer and its percentile gauges).
   */
  private static List<List<String>> metricsTable() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("<!-- metrics-table:start -->");
    int end = readme.indexOf("<!-- metrics-table:end -->");
    assertTrue(start >= 0 && end > start, "README.md has the metrics table markers");
    List<List<String>> rows = new ArrayList<>();
    for (String line : readme.substring(start, end).split("\n")) {
      if (!line.startsWith("| ") || line.startsWith("| figure") || line.startsWith("|---")) {
        continue;
      }
      String[] cells = line.split("\\|");
      List<String> row = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        row.add(cells[i].trim().replace("`", ""));
      }
      rows.add(row);
    }
    assertTrue(rows.size() >= 20, "the table has its rows: " + rows.size());
    return rows;
  }

  @Test
  void metricsTable_everyDocumentedName_isExported() throws Exception {
    fake.allocated = 4096;
    List<List<String>> table = metricsTable();
    monitor.startMonitoring();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    OmegaMemoryMeterBinder binder = new OmegaMemoryMeterBinder(system, monitor, "main");
    binder.bindTo(registry);
    collection(2_000_000); // the pause timer is made by the first collection
    Set<String> documentedMeters = new HashSet<>();
    DashboardServer dashboard = new DashboardServer(monitor, system, monitor.config());
    dashboard.start();
    JmxExporter jmx = new JmxExporter(monitor, system, "dev.omega.mem.test:type=Table");
    jmx.start();
    try {
      String scraped =
          get(HttpClient.newHttpClient(), dashboard.address().orElseThrow().resolve("/metrics"))
              .body();
      Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(scraped);
      Set<String> attributes = new HashSet<>();
      for (MBeanAttributeInfo a :
          ManagementFactory.getPlatformMBeanServer()
              .getMBeanInfo(new ObjectName("dev.omega.mem.test:type=Table"))
              .getAttributes()) {
        attributes.add(a.getName());
      }
      Set<String> jfrEvents = new HashSet<>();
      for (Class<? extends jdk.jfr.Event> event :
          List.of(
              JfrEvents.AllocationFailure.class,
              JfrEvents.Collection.class,
              JfrEvents.Compaction.class,
              JfrEvents.Leak.class,
              JfrEvents.Alert.class)) {
        jfrEvents.add(EventType.getEventType(event).getName());
      }
      for (List<String> row : table) {
        String figure = row.get(0);
        List<String> micrometer = List.of(row.get(1).split(",\\s*"));
        String prometheus = row.get(2);
        assertEquals(
            prometheus.equals("—"),
            micrometer.equals(List.of("—")),
            figure + ": a figure in Prometheus has a Micrometer meter, and only such a figure");
        if (!prometheus.equals("—")) {
          for (String name : micrometer) {
            assertFalse(
                registry.find(name).meters().isEmpty(), figure + ": Micrometer meter " + name);
            documentedMeters.add(name);
          }
          String rendered =
              prometheusName(registry.find(micrometer.get(0)).meters().iterator().next());
          assertEquals(
              prometheus,
              rendered,
              figure + ": " + micrometer.get(0) + " renders to the Prometheus name beside it");
        }
        if (!prometheus.equals("—")) {
          PrometheusTextParser.Family family = families.get(prometheus);
          assertTrue(
              family != null, figure + ": Prometheus family " + prometheus + " in\n" + scraped);
          assertFalse(family.samples().isEmpty(), prometheus + " has samples");
          assertEquals(
              prometheus.endsWith("_total"),
              family.type().equals("counter"),
              prometheus + " is a counter exactly when it ends in _total");
        }
        if (!row.get(3).equals("—")) {
          assertTrue(attributes.contains(row.get(3)), figure + ": JMX attribute " + row.get(3));
        }
        if (!row.get(4).equals("—")) {
          assertTrue(jfrEvents.contains(row.get(4)), figure + ": JFR event " + row.get(4));
        }
      }
      Set<String> undocumented = new java.util.TreeSet<>();
      registry.getMeters().forEach(m -> undocumented.add(m.getId().getName()));
      undocumented.removeAll(documentedMeters);
      assertEquals(Set.of(), undocumented, "meters the binder makes that the table does not list");
      assertTrue(families.get("omega_memory_allocation_latency_seconds").type().equals("summary"));
      assertEquals(4096, families.get("omega_memory_allocated_bytes").samples().get(0).value());
      assertEquals(
          4096, registry.get("omega.memory.allocated").tag("pool", "main").gauge().value());
    } finally {
      jmx.close();
      dashboard.close();
      binder.close();
    }
  }

  /**
   * The name a Prometheus registry gives {@code meter}, by Micrometer's Prometheus naming
   * convention (which is not on this module's class path): dots become underscores, the base unit
   * is appended unless the name ends with it, a counter gets {@code _total}, a timer is in seconds.
   */
  private static String prometheusName(Meter meter) {
    String name = meter.getId().getName().replace('.', '_');
    String unit =
        switch (meter.getId().getType()) {
          case TIMER -> "seconds";
          default -> meter.getId().getBaseUnit();
        };
    if (unit != null && !name.endsWith("_" + unit)) {
      name += "_" + unit;
    }
    return meter.getId().getType() == Meter.Type.COUNTER ? name + "_total" : name;
  }

  /** The monitor's figures as {@code /metrics} serves them now. */
  private Map<String, PrometheusTextParser.Family> scrapeDashboard() throws Exception {
    DashboardServer dashboard = new DashboardServer(monitor, system, monitor.config());
    dashboard.start();
    try {
      return PrometheusTextParser.parse(
          get(HttpClient.newHttpClient(), dashboard.address().orElseThrow().resolve("/metrics"))
              .body());
    } finally {
      dashboard.close();
    }
  }

  private static double sample(
      Map<String, PrometheusTextParser.Family> families,
      String family,
      String sampleName,
      Map<String, String> labels) {
    return families.get(family).samples().stream()
        .filter(s -> s.name().equals(sampleName) && s.labels().equals(labels))
        .findFirst()
        .orElseThrow(() -> new AssertionError(sampleName + labels + " not in " + family))
        .value();
  }

  @Test
  void micrometer_monitorMeters_reportWhatPrometheusExposes() throws Exception {
    monitor.startMonitoring();
    AllocationListener listener = fake.allocationListeners.get(0);
    for (int i = 1; i <= 200; i++) {
      listener.onAllocation(64, 37L * i + (i % 10 == 0 ? 250_000 : 0));
      listener.onDeallocation(64, 11L * i + 3);
    }
    for (int i = 0; i < 3; i++) {
      listener.onLeak(new LeakReport(64, "Main.java:" + i, "default", true));
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (OmegaMemoryMeterBinder binder = new OmegaMemoryMeterBinder(system, monitor, "main")) {
      binder.bindTo(registry);

      Map<String, PrometheusTextParser.Family> families = scrapeDashboard();

      assertEquals(
          sample(
              families,
              "omega_memory_leak_suspects_total",
              "omega_memory_leak_suspects_total",
              Map.of()),
          registry.get("omega.memory.leak.suspects").functionCounter().count());
      for (String direction : List.of("allocation", "deallocation")) {
        String family = "omega_memory_" + direction + "_latency_seconds";
        String meter = "omega.memory." + direction + ".latency";
        FunctionTimer timer = registry.get(meter).tag("pool", "main").functionTimer();
        assertEquals(sample(families, family, family + "_count", Map.of()), timer.count(), meter);
        assertEquals(
            sample(families, family, family + "_sum", Map.of()),
            timer.totalTime(TimeUnit.SECONDS),
            1e-12,
            meter);
        for (String phi : List.of("0.5", "0.9", "0.99")) {
          assertEquals(
              sample(families, family, family, Map.of("quantile", phi)),
              registry.get(meter + ".percentile").tag("phi", phi).gauge().value(),
              meter + " at " + phi);
        }
      }
    }
  }

  @Test
  void micrometer_monitorClosed_metersKeepItsLastFigures() {
    monitor.startMonitoring();
    AllocationListener listener = fake.allocationListeners.get(0);
    listener.onAllocation(64, 500);
    listener.onLeak(new LeakReport(64, "Main.java:1", "default", true));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (OmegaMemoryMeterBinder binder = new OmegaMemoryMeterBinder(system, monitor, "main")) {
      binder.bindTo(registry);
      FunctionCounter leaks = registry.get("omega.memory.leak.suspects").functionCounter();
      FunctionTimer allocations = registry.get("omega.memory.allocation.latency").functionTimer();
      assertEquals(1, leaks.count());

      monitor.close();

      assertEquals(1, leaks.count(), "a counter neither fails the scrape nor falls back to 0");
      assertEquals(1, allocations.count());
      assertEquals(
          LatencyHistogram.upperBound(LatencyHistogram.index(500)) / 1e9,
          registry
              .get("omega.memory.allocation.latency.percentile")
              .tag("phi", "0.5")
              .gauge()
              .value());
    }
  }

  @Test
  void micrometer_withoutAMonitor_bindsNoMonitorMeters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (OmegaMemoryMeterBinder binder = new OmegaMemoryMeterBinder(system, "main")) {
      binder.bindTo(registry);

      assertTrue(
          registry.find("omega.memory.leak.suspects").meters().isEmpty(),
          "no leak counter that would read 0 while /metrics counts leaks");
      assertTrue(registry.find("omega.memory.allocation.latency").meters().isEmpty());
      assertFalse(registry.find("omega.memory.allocated").meters().isEmpty(), "the system's own");
    }
  }

  @Test
  void jmx_configuredName_isUsed_andASecondSystemWithTheSameNameIsRefusedByKey() throws Exception {
    String configured = "com.example:type=Memory,name=orders";
    JmxExporter first = new JmxExporter(monitor, system, configured);
    JmxExporter second = new JmxExporter(monitor, system, configured);
    first.start();
    try {
      assertTrue(
          ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName(configured)));
      ConfigurationException e = assertThrows(ConfigurationException.class, second::start);
      assertTrue(e.getMessage().contains("jmx_name"), e.getMessage());
      assertTrue(e.getMessage().contains(configured), e.getMessage());
    } finally {
      first.close();
      second.close();
    }
    assertFalse(
        ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName(configured)));
  }

  @Test
  void jmx_registersAnMXBeanWithLiveAttributes_andOperations() throws Exception {
    fake.allocated = 4096;
    JmxExporter jmx = new JmxExporter(monitor, system, PerformanceMonitorConfig.DEFAULT_JMX_NAME);
    jmx.start();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName(jmx.address().orElseThrow().getSchemeSpecificPart());
    assertEquals(new ObjectName("dev.omega.mem:type=OmegaMemory,name=omega"), name);
    try {
      assertEquals(4096L, server.getAttribute(name, "AllocatedBytes"));
      fake.allocated = 8192;
      assertEquals(8192L, server.getAttribute(name, "AllocatedBytes"), "read live, not cached");
      assertEquals("generational", server.getAttribute(name, "Collector"));
      assertEquals(42L, server.getAttribute(name, "HeapObjects"));
      assertEquals(2_000_000L, server.getAttribute(name, "GcPauseMaxNanos"));
      // The operation compacts the manager's pool and answers with whether anything moved: the
      // pool is the only place the effect shows, so count its calls and try both answers.
      when(fake.pool.compact()).thenReturn(false);
      assertEquals(false, server.invoke(name, "compact", new Object[0], new String[0]));
      verify(fake.pool, times(1)).compact();
      when(fake.pool.compact()).thenReturn(true);
      assertEquals(true, server.invoke(name, "compact", new Object[0], new String[0]));
      verify(fake.pool, times(2)).compact();
      String report = (String) server.invoke(name, "report", new Object[0], new String[0]);
      assertTrue(report.startsWith("Omega Memory performance report"));
    } finally {
      jmx.close();
    }
    assertTrue(!server.isRegistered(name), "closing unregisters the MBean");
  }

  @Test
  void jfr_eventsAreOffByDefault_andRecordedWhenARecordingEnablesThem(@TempDir Path dir)
      throws Exception {
    JfrExporter jfr = new JfrExporter(monitor, system);
    jfr.start();
    Path file = dir.resolve("omega.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("dev.omega.mem.Collection");
      recording.enable("dev.omega.mem.AllocationFailure");
      recording.enable("dev.omega.mem.Leak");
      recording.enable("dev.omega.mem.Compaction");
      recording.start();
      // Timed events: begun when the work starts, committed when it ends, on the same thread.
      collectionListeners.forEach(l -> l.onCollectionStarting(CollectionCause.THRESHOLD));
      Thread.sleep(30);
      collection(3_000_000);
      fake.allocationListeners.forEach(
          l -> {
            l.onFailure(1 << 20, Priority.LOW, AllocationFailure.OUT_OF_MEMORY);
            l.onLeak(new LeakReport(64, "Main.java:9", "default", true));
          });
      fake.allocationListeners.forEach(AllocationListener::onCompactionStarting);
      Thread.sleep(20);
      fake.allocationListeners.forEach(l -> l.onCompaction(8192, 1000));
      recording.stop();
      recording.dump(file);
    } finally {
      jfr.close();
    }
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    RecordedEvent collection = find(events, "dev.omega.mem.Collection");
    assertEquals("generational", collection.getString("collector"));
    assertTrue(
        collection.getDuration().compareTo(Duration.ofMillis(30)) >= 0,
        "the event's own duration spans the collection: " + collection.getDuration());
    assertFalse(collection.hasField("pause"), "no duration field beside the event's own");
    assertEquals(1, collection.getInt("generation"));
    RecordedEvent failure = find(events, "dev.omega.mem.AllocationFailure");
    assertEquals(1 << 20, failure.getLong("size"));
    assertEquals("OUT_OF_MEMORY", failure.getString("cause"));
    assertEquals("Main.java:9", find(events, "dev.omega.mem.Leak").getString("site"));
    RecordedEvent compaction = find(events, "dev.omega.mem.Compaction");
    assertEquals(8192, compaction.getLong("bytesMoved"));
    assertTrue(compaction.getDuration().compareTo(Duration.ofMillis(20)) >= 0);
    assertFalse(compaction.hasField("nanos"));
    assertTrue(
        collectionListeners.isEmpty() && fake.allocationListeners.isEmpty(),
        "closing removes every listener");
  }

  private static RecordedEvent find(List<RecordedEvent> events, String name) {
    return events.stream()
        .filter(e -> e.getEventType().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not recorded"));
  }

  @Test
  void micrometer_bindsDottedMeters_andTimesEveryCollection() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    fake.allocated = 640;
    fake.failures.put(AllocationFailure.RATE_LIMIT, 2L);
    try (OmegaMemoryMeterBinder binder = new OmegaMemoryMeterBinder(system, "main")) {
      binder.bindTo(registry);
      assertEquals(640, registry.get("omega.memory.allocated").tag("pool", "main").gauge().value());
      assertEquals(
          2,
          registry
              .get("omega.memory.failures")
              .tag("cause", "rate_limit")
              .functionCounter()
              .count());
      assertEquals(
          10, registry.get("omega.memory.size.class.live").tag("size.class", "64").gauge().value());
      assertEquals(42, registry.get("omega.heap.objects").gauge().value());
      collection(2_000_000);
      collection(4_000_000);
      Timer pause =
          registry
              .get("omega.gc.pause")
              .tag("collector", "generational")
              .tag("generation", "1")
              .timer();
      assertEquals(2, pause.count());
      assertEquals(6.0, pause.totalTime(TimeUnit.MILLISECONDS), 1e-9);
    }
    assertTrue(collectionListeners.isEmpty(), "closing stops feeding the timer");
  }

  @Test
  void providers_areFoundByServiceLoader_byName() {
    Map<String, String> found = new java.util.TreeMap<>();
    java.util.ServiceLoader.load(dev.omega.mem.spi.MetricsExporterProvider.class)
        .forEach(p -> found.put(p.name(), p.getClass().getSimpleName()));
    assertEquals(List.of("dashboard", "jfr", "jmx"), List.copyOf(found.keySet()));
    assertEquals(
        "sampling",
        java.util.ServiceLoader.load(dev.omega.mem.spi.PerformanceMonitorProvider.class)
            .findFirst()
            .orElseThrow()
            .name());
  }
}
