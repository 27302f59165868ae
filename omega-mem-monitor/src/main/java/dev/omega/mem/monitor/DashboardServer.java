package dev.omega.mem.monitor;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.api.monitor.PerformanceReport;
import dev.omega.mem.json.JsonWriter;
import dev.omega.mem.spi.MetricsExporter;
import dev.omega.mem.spi.MonitoredSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The dashboard: a {@link BoundedHttpServer} on {@code dashboard_host:dashboard_port} (loopback and
 * a free port unless configured), serving
 *
 * <ul>
 *   <li>{@code /} the live page (polls {@code /api/metrics} at the sampling interval);
 *   <li>{@code /api/metrics} the report's figures as JSON with the last {@value #HISTORY_ON_PAGE}
 *       samples;
 *   <li>{@code /api/report} the report: JSON, or {@code ?format=text|html}, with the newest {@code
 *       ?limit=N} samples and alerts ({@value #HISTORY_ON_PAGE} unless asked, at most {@value
 *       #REPORT_LIMIT_CAP}), so that one request never serializes a history of a million samples;
 *   <li>{@code /api/status} the figures of the moment: JSON, or {@code ?format=text};
 *   <li>{@code /api/diagnosis} the bottlenecks: a JSON array, or {@code ?format=text}, one a line;
 *   <li>{@code /api/sites} the top allocation sites of the sampled allocations (live and total
 *       blocks and bytes, leaked blocks): JSON, or {@code ?format=text};
 *   <li>{@code /metrics} the Prometheus text format.
 * </ul>
 *
 * Reads only (GET and HEAD); nothing on it changes the system. Still, figures may be sensitive and
 * a browser can be made to fetch from loopback, so every request passes two checks before routing:
 *
 * <ol>
 *   <li>Host: only the names the server is bound to are answered (the bind address, {@code
 *       localhost}, and for a wildcard bind this machine's addresses and name), with the bound
 *       port; any other {@code Host} gets 421. A page of {@code evil.example} whose name was
 *       rebound to 127.0.0.1 sends {@code Host: evil.example}, so DNS rebinding reads nothing.
 *   <li>Token: with {@code dashboard_token} set, a request carries it as {@code Authorization:
 *       Bearer <token>} or {@code ?token=<token>}, or gets 401. The comparison is of SHA-256
 *       digests with {@link MessageDigest#isEqual}, so its time tells neither the characters nor
 *       the length. Binding beyond loopback without a token is refused at {@link #start()}.
 * </ol>
 */
final class DashboardServer implements MetricsExporter {
  static final int HISTORY_ON_PAGE = 300;
  static final int REPORT_LIMIT_CAP = 3600;

  private final PerformanceMonitor monitor;
  private final MonitoredSystem system;
  private final PerformanceMonitorConfig config;
  private final BoundedHttpServer.Limits limits;
  private final byte[] tokenDigest;
  private BoundedHttpServer server;
  private Set<String> allowedHosts = Set.of();
  private int boundPort;

  DashboardServer(
      PerformanceMonitor monitor, MonitoredSystem system, PerformanceMonitorConfig config) {
    this(monitor, system, config, BoundedHttpServer.Limits.DEFAULT);
  }

  DashboardServer(
      PerformanceMonitor monitor,
      MonitoredSystem system,
      PerformanceMonitorConfig config,
      BoundedHttpServer.Limits limits) {
    this.monitor = monitor;
    this.system = system;
    this.config = config;
    this.limits = limits;
    this.tokenDigest = config.dashboardToken() == null ? null : sha256(config.dashboardToken());
  }

  @Override
  public synchronized void start() {
    if (server != null) {
      return;
    }
    int port = Math.max(0, config.dashboardPort());
    InetSocketAddress bind = new InetSocketAddress(config.dashboardHost(), port);
    if (bind.isUnresolved()) {
      throw new UncheckedIOException(
          new IOException(
              "cannot serve the dashboard on "
                  + config.dashboardHost()
                  + " (dashboard_host): the name does not resolve"));
    }
    if (tokenDigest == null && !bind.getAddress().isLoopbackAddress()) {
      throw new ConfigurationException(
          new ConfigProblem(
              "dashboard_token",
              "none",
              "a token of at least "
                  + PerformanceMonitorConfig.MIN_TOKEN_LENGTH
                  + " characters when dashboard_host ("
                  + config.dashboardHost()
                  + ") is beyond loopback, or dashboard_host = 127.0.0.1"));
    }
    BoundedHttpServer started = new BoundedHttpServer(bind, this::handle, limits);
    try {
      started.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve the dashboard on "
              + config.dashboardHost()
              + ":"
              + port
              + " (dashboard_host, dashboard_port): "
              + e.getMessage(),
          e);
    }
    InetSocketAddress bound = started.address();
    boundPort = bound.getPort();
    allowedHosts = allowedHosts(config.dashboardHost(), bound.getAddress());
    server = started;
  }

  /** Host names (lower case, IPv6 without brackets) that requests may name. */
  private static Set<String> allowedHosts(String configured, InetAddress bound) {
    Set<String> hosts = new HashSet<>();
    hosts.add(bare(configured));
    hosts.add("localhost");
    hosts.add(bound.getHostAddress());
    if (bound.isLoopbackAddress()) {
      hosts.add("127.0.0.1");
      hosts.add("0:0:0:0:0:0:0:1");
    }
    if (bound.isAnyLocalAddress()) {
      // Reachable on every interface: its addresses and this machine's name are all names of it.
      try {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          for (InetAddress a : Collections.list(nif.getInetAddresses())) {
            hosts.add(bare(a.getHostAddress()));
          }
        }
        InetAddress self = InetAddress.getLocalHost();
        hosts.add(bare(self.getHostName()));
        hosts.add(bare(self.getCanonicalHostName()));
      } catch (IOException e) {
        System.getLogger("omega.monitor")
            .log(
                System.Logger.Level.WARNING,
                "dashboard: cannot list this machine's addresses; only " + hosts + " are answered",
                e);
      }
    }
    return Set.copyOf(hosts);
  }

  /** A host in the form compared: lower case, IPv6 without brackets or zone, in full form. */
  private static String bare(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    if (h.indexOf(':') >= 0 && h.chars().allMatch(c -> c == ':' || c == '.' || isHex(c))) {
      try {
        // An IPv6 literal: written long or short, it is one address. A literal is never looked up.
        h = InetAddress.getByName(h).getHostAddress();
      } catch (IOException e) {
        return h;
      }
    }
    return h;
  }

  private static boolean isHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  /** Whether {@code host} (a Host header) names this server: an allowed name and the bound port. */
  boolean hostAllowed(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String name = host;
    String port = null;
    int close = host.lastIndexOf(']');
    int colon = host.lastIndexOf(':');
    if (host.startsWith("[")) {
      if (close < 0) {
        return false;
      }
      name = host.substring(0, close + 1);
      port = colon > close ? host.substring(colon + 1) : null;
    } else if (colon >= 0) {
      name = host.substring(0, colon);
      port = host.substring(colon + 1);
    }
    boolean portMatches = port == null ? boundPort == 80 : port.equals(Integer.toString(boundPort));
    return portMatches && allowedHosts.contains(bare(name));
  }

  private boolean authorized(BoundedHttpServer.Request request) {
    if (tokenDigest == null) {
      return true;
    }
    String authorization = request.header("Authorization");
    if (authorization != null
        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        && MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(7).trim()))) {
      return true;
    }
    Optional<String> given = query(request.target(), "token");
    return given.isPresent() && MessageDigest.isEqual(tokenDigest, sha256(given.get()));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public synchronized Optional<URI> address() {
    if (server == null) {
      return Optional.empty();
    }
    InetSocketAddress bound = server.address();
    String host = bound.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return Optional.of(URI.create("http://" + host + ":" + bound.getPort() + "/"));
  }

  private BoundedHttpServer.Response handle(BoundedHttpServer.Request request) {
    if (!hostAllowed(request.header("Host"))) {
      return BoundedHttpServer.Response.text(
          421,
          "this server answers only to the names it is bound to, not "
              + request.header("Host")
              + "\n");
    }
    if (!authorized(request)) {
      return new BoundedHttpServer.Response(
          401,
          TEXT,
          Map.of("WWW-Authenticate", "Bearer realm=\"omega-dashboard\""),
          utf8(
              "a dashboard_token is required: Authorization: Bearer <token>, or ?token=<token>\n"));
    }
    String method = request.method();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return new BoundedHttpServer.Response(
          405, TEXT, Map.of("Allow", "GET, HEAD"), utf8("only GET and HEAD are served\n"));
    }
    URI target = request.target();
    String path = target.getPath();
    String format = query(target, "format").orElse("json");
    try {
      return switch (path) {
        case "/", "/index.html" -> ok("text/html; charset=utf-8", MonitorReport.page("null", true));
        case "/api/metrics" -> ok(JSON, metricsJson());
        case "/api/report" -> report(target, format);
        case "/api/status" -> {
          PerformanceReport report = report(0);
          if (format.equals("text") && report instanceof MonitorReport ours) {
            yield ok(TEXT, ours.statusText());
          }
          Map<String, Object> status = new LinkedHashMap<>();
          status.put("current", MonitorReport.metrics(report.current()));
          status.put("alerts", report.alerts().size());
          status.put("bottlenecks", report.bottlenecks().size());
          yield ok(JSON, JsonWriter.compact(status));
        }
        case "/api/diagnosis" -> {
          List<String> findings = report(0).bottlenecks();
          if (format.equals("text")) {
            yield ok(TEXT, findings.isEmpty() ? "" : String.join("\n", findings) + "\n");
          }
          yield ok(JSON, JsonWriter.compact(findings));
        }
        case "/api/sites" -> {
          List<AllocationSiteProfile.SiteFigures> sites =
              monitor instanceof SamplingPerformanceMonitor ours
                  ? ours.siteProfile().top(SamplingPerformanceMonitor.TOP_SITES_IN_REPORT)
                  : List.of();
          long interval =
              monitor instanceof SamplingPerformanceMonitor ours
                  ? ours.siteProfile().samplingInterval()
                  : 0;
          if (format.equals("text")) {
            yield ok(TEXT, MonitorReport.allocationSitesText(sites, interval));
          }
          yield ok(JSON, JsonWriter.compact(MonitorReport.allocationSites(sites, interval)));
        }
        case "/metrics" ->
            ok(
                PrometheusText.CONTENT_TYPE,
                PrometheusText.write(
                    system.manager().getStatistics(),
                    monitor.getMemoryMetrics(),
                    system.heap().map(ManagedHeap::collector).map(c -> c.getCollectionStatistics()),
                    system.heap().map(ManagedHeap::objectCount)));
        default ->
            BoundedHttpServer.Response.text(
                404,
                "no page "
                    + path
                    + "; try /, /api/metrics, /api/report, /api/status, /api/diagnosis,"
                    + " /api/sites or /metrics\n");
      };
    } catch (RuntimeException e) {
      // The connection's thread must survive a failing report; the caller sees why.
      return BoundedHttpServer.Response.text(500, "the report failed: " + e + "\n");
    }
  }

  private static final String JSON = "application/json; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";

  private static BoundedHttpServer.Response ok(String type, String body) {
    return new BoundedHttpServer.Response(200, type, Map.of(), utf8(body));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The report with at most {@code newest} samples and alerts, built without copying more. */
  private PerformanceReport report(int newest) {
    if (monitor instanceof SamplingPerformanceMonitor ours) {
      return ours.generateReport(newest);
    }
    return monitor.generateReport();
  }

  String metricsJson() {
    PerformanceReport report = report(HISTORY_ON_PAGE);
    if (report instanceof MonitorReport ours) {
      return JsonWriter.compact(ours.toMap(HISTORY_ON_PAGE));
    }
    return report.toJson();
  }

  private BoundedHttpServer.Response report(URI target, String format) {
    int limit;
    try {
      limit = query(target, "limit").map(Integer::parseInt).orElse(HISTORY_ON_PAGE);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 0 || limit > REPORT_LIMIT_CAP) {
      return BoundedHttpServer.Response.text(
          400,
          "limit is the number of newest samples and alerts, 0 to "
              + REPORT_LIMIT_CAP
              + ", got "
              + query(target, "limit").orElse("")
              + "\n");
    }
    PerformanceReport report = report(limit);
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "text" -> ok(TEXT, report.toText());
      case "html" -> ok("text/html; charset=utf-8", report.toHtml());
      case "json" -> ok(JSON, report.toJson());
      default ->
          BoundedHttpServer.Response.text(
              400, "format must be json, text or html, got " + format + "\n");
    };
  }

  /** The first value of {@code key} in the query, percent-decoded. */
  private static Optional<String> query(URI uri, String key) {
    String query = uri.getRawQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(key)) {
        try {
          return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          return Optional.of(pair.substring(eq + 1));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
