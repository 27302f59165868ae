package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.monitor.LatencySummary;
import dev.omega.mem.api.monitor.MemoryMetrics;
import example.app.SiteAllocatingApp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard against hostile clients, over real sockets on 127.0.0.1. Raw sockets, not {@code
 * HttpClient}: the tests must send half requests and name any {@code Host}.
 */
class DashboardServerTest {
  private static final String TOKEN = "0123456789abcdef-test-token";
  private static final Duration LONG = Duration.ofSeconds(30);

  private final FakeSystem fake = new FakeSystem();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private static PerformanceMonitorConfig.Builder config() {
    return PerformanceMonitorConfig.builder()
        .metricsCollectionInterval(Duration.ofHours(1))
        .dashboardPort(0);
  }

  private InetSocketAddress start(
      PerformanceMonitorConfig config, BoundedHttpServer.Limits limits) {
    SamplingPerformanceMonitor monitor =
        new SamplingPerformanceMonitor(
            config,
            fake.system(),
            Clock.systemUTC(),
            SamplingPerformanceMonitor.DEFAULT_HISTORY_FLUSH_PERIOD,
            AllocationSiteProfileTest.everyTimedAllocation());
    toClose.add(monitor);
    DashboardServer dashboard = new DashboardServer(monitor, fake.system(), config, limits);
    dashboard.start();
    toClose.add(dashboard);
    return new InetSocketAddress(
        InetAddress.getLoopbackAddress(), dashboard.address().orElseThrow().getPort());
  }

  private InetSocketAddress start(PerformanceMonitorConfig config) {
    return start(config, BoundedHttpServer.Limits.DEFAULT);
  }

  /** A reply as text: status line, headers (names as sent) and body. */
  private record Reply(int status, String head, String body) {
    boolean hasHeader(String line) {
      return head.toLowerCase(Locale.ROOT)
          .contains("\r\n" + line.toLowerCase(Locale.ROOT) + "\r\n");
    }
  }

  private static Reply get(InetSocketAddress server, String target, String... headers)
      throws IOException {
    StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
    for (String h : headers) {
      request.append(h).append("\r\n");
    }
    return send(server, request.append("\r\n").toString());
  }

  private static String host(InetSocketAddress server) {
    return "Host: 127.0.0.1:" + server.getPort();
  }

  private static Reply send(InetSocketAddress server, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(server, 2000);
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      byte[] all = socket.getInputStream().readAllBytes();
      String text = new String(all, StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      String head = text.substring(0, end + 2);
      return new Reply(Integer.parseInt(head.substring(9, 12)), head, text.substring(end + 4));
    }
  }

  /** A connection that sent half a header block and holds. */
  private Socket halfHeader(InetSocketAddress server) throws IOException {
    Socket socket = new Socket();
    toClose.add(socket);
    socket.connect(server, 2000);
    socket.setSoTimeout(5000);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET /api/metrics HTTP/1.1\r\n" + host(server) + "\r\nX-Half: ")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return socket;
  }

  @Test
  void serve_whileTwoClientsHoldHalfAHeader_answersAThirdWithinTwoSeconds() throws Exception {
    InetSocketAddress server =
        start(config().build(), new BoundedHttpServer.Limits(32, LONG, LONG));
    halfHeader(server);
    halfHeader(server);
    Thread.sleep(200); // both slow connections are admitted and reading before the third comes

    long started = System.nanoTime();
    Reply reply = get(server, "/api/status", host(server));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertEquals(200, reply.status());
    assertTrue(tookMillis < 2000, "served in " + tookMillis + " ms");
  }

  @Test
  void serve_clientTricklingItsHeader_isCutOffAtTheHeaderDeadline() throws Exception {
    InetSocketAddress server =
        start(config().build(), new BoundedHttpServer.Limits(32, Duration.ofMillis(500), LONG));
    Socket slow = halfHeader(server);
    OutputStream out = slow.getOutputStream();
    long started = System.nanoTime();
    long cutOffMillis = -1;
    // One byte every 100 ms renews any per-read timeout; only a deadline on the whole block ends
    // it.
    for (int i = 0; i < 50 && cutOffMillis < 0; i++) {
      try {
        out.write('a');
        out.flush();
        Thread.sleep(100);
      } catch (IOException e) {
        cutOffMillis = (System.nanoTime() - started) / 1_000_000;
      }
    }
    assertTrue(cutOffMillis >= 0, "still connected after 5 s of trickling");
    assertTrue(cutOffMillis < 2500, "cut off after " + cutOffMillis + " ms");
  }

  @Test
  void serve_connectionsPastTheCap_areAnswered503AtOnce() throws Exception {
    InetSocketAddress server = start(config().build(), new BoundedHttpServer.Limits(2, LONG, LONG));
    halfHeader(server);
    halfHeader(server);
    Thread.sleep(200);

    long started = System.nanoTime();
    Reply reply = get(server, "/api/status", host(server));

    assertEquals(503, reply.status());
    assertTrue((System.nanoTime() - started) < 2_000_000_000L);
    assertTrue(reply.hasHeader("X-Content-Type-Options: nosniff"), reply.head());
  }

  @Test
  void serve_foreignHost_isRefused421() throws Exception {
    InetSocketAddress server = start(config().build());

    Reply rebound = get(server, "/api/metrics", "Host: evil.example:" + server.getPort());
    Reply noPort = get(server, "/api/metrics", "Host: evil.example");
    Reply noHost = get(server, "/api/metrics");

    assertEquals(421, rebound.status());
    assertFalse(rebound.body().contains("allocated_bytes"), rebound.body());
    assertEquals(421, noPort.status());
    assertEquals(421, noHost.status());
  }

  @Test
  void serve_boundNamesWithTheBoundPort_areAnswered() throws Exception {
    InetSocketAddress server = start(config().build());

    assertEquals(200, get(server, "/api/status", host(server)).status());
    assertEquals(200, get(server, "/api/status", "Host: LocalHost:" + server.getPort()).status());
    assertEquals(421, get(server, "/api/status", "Host: 127.0.0.1:1").status());
  }

  @Test
  void serve_withATokenConfigured_requiresIt() throws Exception {
    InetSocketAddress server = start(config().dashboardToken(TOKEN).build());

    Reply none = get(server, "/api/status", host(server));
    Reply wrong = get(server, "/api/status", host(server), "Authorization: Bearer " + TOKEN + "x");
    Reply wrongQuery = get(server, "/api/status?token=" + TOKEN.substring(1), host(server));

    assertEquals(401, none.status());
    assertTrue(none.hasHeader("WWW-Authenticate: Bearer realm=\"omega-dashboard\""), none.head());
    assertFalse(none.body().contains("allocated_bytes"));
    assertEquals(401, wrong.status());
    assertEquals(401, wrongQuery.status());
  }

  @Test
  void serve_withTheToken_asBearerOrQuery_answers() throws Exception {
    InetSocketAddress server = start(config().dashboardToken(TOKEN).build());

    Reply bearer = get(server, "/api/status", host(server), "Authorization: Bearer " + TOKEN);
    Reply query = get(server, "/api/status?token=" + TOKEN, host(server));

    assertEquals(200, bearer.status());
    assertTrue(bearer.body().contains("allocated_bytes"), bearer.body());
    assertEquals(200, query.status());
  }

  @Test
  void start_beyondLoopbackWithoutAToken_isRefused() {
    PerformanceMonitorConfig config = config().dashboardHost("0.0.0.0").build();
    SamplingPerformanceMonitor monitor =
        new SamplingPerformanceMonitor(
            config,
            fake.system(),
            Clock.systemUTC(),
            SamplingPerformanceMonitor.DEFAULT_HISTORY_FLUSH_PERIOD,
            AllocationSiteProfileTest.everyTimedAllocation());
    toClose.add(monitor);
    DashboardServer dashboard = new DashboardServer(monitor, fake.system(), config);
    toClose.add(dashboard);

    ConfigurationException e = assertThrows(ConfigurationException.class, dashboard::start);

    assertTrue(e.getMessage().contains("dashboard_token"), e.getMessage());
    assertTrue(dashboard.address().isEmpty(), "nothing was bound");
  }

  @Test
  void apiSites_listsTheSampledAllocationSitesAsJsonAndText() throws Exception {
    InetSocketAddress server = start(config().build());
    // The monitor registers its listener when it starts; the dashboard reads what it recorded.
    SamplingPerformanceMonitor monitor = (SamplingPerformanceMonitor) toClose.get(0);
    monitor.startMonitoring();
    AllocationListener listener = fake.allocationListeners.get(0);
    List<MemoryBlock> kept =
        new SiteAllocatingApp(
                FakeBlocks::of, (block, size) -> listener.onAllocation(block, size, 9))
            .pageBuffers(3);

    Reply json = get(server, "/api/sites", host(server));
    Reply text = get(server, "/api/sites?format=text", host(server));

    assertEquals(200, json.status(), json.body());
    JsonNode sites = new ObjectMapper().readTree(json.body()).path("sites");
    assertEquals(1, sites.size(), json.body());
    assertEquals(3, sites.get(0).path("live_blocks").asLong());
    assertEquals(3 * 4096, sites.get(0).path("live_bytes").asLong());
    assertTrue(sites.get(0).path("site").asText().contains("SiteAllocatingApp.pageBuffers("));
    assertTrue(text.body().contains("SiteAllocatingApp.pageBuffers("), text.body());
    assertEquals(3, kept.size());
  }

  @Test
  void serve_everyReply_carriesNosniff() throws Exception {
    InetSocketAddress server = start(config().dashboardToken(TOKEN).build());
    String auth = "Authorization: Bearer " + TOKEN;

    List<Reply> replies =
        List.of(
            get(server, "/", host(server), auth),
            get(server, "/api/metrics", host(server), auth),
            get(server, "/nothing", host(server), auth),
            get(server, "/api/status", host(server)),
            get(server, "/api/status", "Host: evil.example"),
            send(
                server,
                "POST /api/status HTTP/1.1\r\n" + host(server) + "\r\n" + auth + "\r\n\r\n"),
            send(server, "NONSENSE\r\n\r\n"));

    assertEquals(
        List.of(200, 200, 404, 401, 421, 405, 400), replies.stream().map(Reply::status).toList());
    for (Reply r : replies) {
      assertTrue(r.hasHeader("X-Content-Type-Options: nosniff"), r.head());
    }
  }

  @Test
  void report_withALargeHistory_isBoundedByLimit(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.tsv");
    int stored = 20_000;
    List<MemoryMetrics> samples = new ArrayList<>(stored);
    LatencySummary none = new LatencySummary(0, 0, 0, 0, 0, 0);
    Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
    for (int i = 0; i < stored; i++) {
      samples.add(
          new MemoryMetrics(t0.plusSeconds(i), i, 0, i, 1 << 20, 0, none, none, none, 1, 0, 0, 0));
    }
    HistoryFile.write(file, samples);
    InetSocketAddress server = start(config().historySize(stored).historyFile(file).build());

    Reply byDefault = get(server, "/api/report", host(server));
    Reply five = get(server, "/api/report?limit=5", host(server));
    Reply tooMany = get(server, "/api/report?limit=1000000", host(server));

    assertEquals(200, byDefault.status());
    ObjectMapper json = new ObjectMapper();
    assertEquals(
        DashboardServer.HISTORY_ON_PAGE, json.readTree(byDefault.body()).path("history").size());
    assertTrue(byDefault.body().length() < 1_000_000, "bytes: " + byDefault.body().length());
    JsonNode fiveHistory = json.readTree(five.body()).path("history");
    assertEquals(5, fiveHistory.size(), "five samples");
    assertEquals(stored - 1, fiveHistory.get(4).path("peak_bytes").asLong(), "the newest are kept");
    assertEquals(400, tooMany.status());
  }
}
