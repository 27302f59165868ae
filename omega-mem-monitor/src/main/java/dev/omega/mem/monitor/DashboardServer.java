package dev.omega.mem.monitor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.api.monitor.PerformanceReport;
import dev.omega.mem.spi.MetricsExporter;
import dev.omega.mem.spi.MonitoredSystem;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The dashboard: the JDK's built-in HTTP server on {@code dashboard_host:dashboard_port} (loopback
 * and a free port unless configured), serving
 *
 * <ul>
 *   <li>{@code /} the live page (polls {@code /api/metrics} at the sampling interval);
 *   <li>{@code /api/metrics} the report's figures as JSON with the last 300 samples;
 *   <li>{@code /api/report} the whole report: JSON, or {@code ?format=text|html};
 *   <li>{@code /api/status} the figures of the moment: JSON, or {@code ?format=text};
 *   <li>{@code /api/diagnosis} the bottlenecks: a JSON array, or {@code ?format=text}, one a line;
 *   <li>{@code /metrics} the Prometheus text format.
 * </ul>
 *
 * Reads only (GET and HEAD); nothing on it changes the system, so exposing it read-only is safe to
 * the data, though figures may still be sensitive: bind beyond loopback deliberately.
 */
final class DashboardServer implements MetricsExporter {
  static final int HISTORY_ON_PAGE = 300;

  private final PerformanceMonitor monitor;
  private final MonitoredSystem system;
  private final PerformanceMonitorConfig config;
  private HttpServer server;
  private ExecutorService executor;

  DashboardServer(
      PerformanceMonitor monitor, MonitoredSystem system, PerformanceMonitorConfig config) {
    this.monitor = monitor;
    this.system = system;
    this.config = config;
  }

  @Override
  public synchronized void start() {
    if (server != null) {
      return;
    }
    int port = Math.max(0, config.dashboardPort());
    try {
      server = HttpServer.create(new InetSocketAddress(config.dashboardHost(), port), 16);
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
    executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "omega-dashboard");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  @Override
  public synchronized Optional<URI> address() {
    if (server == null) {
      return Optional.empty();
    }
    InetSocketAddress bound = server.getAddress();
    String host = bound.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return Optional.of(URI.create("http://" + host + ":" + bound.getPort() + "/"));
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD are served\n");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      String format = query(exchange.getRequestURI(), "format").orElse("json");
      switch (path) {
        case "/", "/index.html" ->
            send(exchange, 200, "text/html; charset=utf-8", MonitorReport.page("null", true));
        case "/api/metrics" -> send(exchange, 200, JSON, metricsJson());
        case "/api/report" -> sendReport(exchange, format);
        case "/api/status" -> {
          PerformanceReport report = monitor.generateReport();
          if (format.equals("text") && report instanceof MonitorReport ours) {
            send(exchange, 200, TEXT, ours.statusText());
          } else {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("current", MonitorReport.metrics(report.current()));
            status.put("alerts", report.alerts().size());
            status.put("bottlenecks", report.bottlenecks().size());
            send(exchange, 200, JSON, Json.write(status));
          }
        }
        case "/api/diagnosis" -> {
          List<String> findings = monitor.generateReport().bottlenecks();
          if (format.equals("text")) {
            send(exchange, 200, TEXT, findings.isEmpty() ? "" : String.join("\n", findings) + "\n");
          } else {
            send(exchange, 200, JSON, Json.write(findings));
          }
        }
        case "/metrics" ->
            send(
                exchange,
                200,
                PrometheusText.CONTENT_TYPE,
                PrometheusText.write(
                    system.manager().getStatistics(),
                    monitor.getMemoryMetrics(),
                    system
                        .heap()
                        .map(ManagedHeap::collector)
                        .map(c -> c.getCollectionStatistics())));
        default ->
            send(
                exchange,
                404,
                TEXT,
                "no page "
                    + path
                    + "; try /, /api/metrics, /api/report, /api/status, /api/diagnosis or /metrics\n");
      }
    } catch (RuntimeException e) {
      // The server thread must survive a failing report; the caller sees why.
      send(exchange, 500, TEXT, "the report failed: " + e + "\n");
    }
  }

  private static final String JSON = "application/json; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";

  String metricsJson() {
    PerformanceReport report = monitor.generateReport();
    if (report instanceof MonitorReport ours) {
      return Json.write(ours.toMap(HISTORY_ON_PAGE));
    }
    return report.toJson();
  }

  private void sendReport(HttpExchange exchange, String format) throws IOException {
    PerformanceReport report = monitor.generateReport();
    switch (format.toLowerCase(Locale.ROOT)) {
      case "text" -> send(exchange, 200, TEXT, report.toText());
      case "html" -> send(exchange, 200, "text/html; charset=utf-8", report.toHtml());
      case "json" -> send(exchange, 200, JSON, report.toJson());
      default ->
          send(exchange, 400, TEXT, "format must be json, text or html, got " + format + "\n");
    }
  }

  private static Optional<String> query(URI uri, String key) {
    String query = uri.getQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(key)) {
        return Optional.of(pair.substring(eq + 1));
      }
    }
    return Optional.empty();
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
    if (!head && bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }
}
