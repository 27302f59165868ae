package dev.omega.mem.cli;

import static dev.omega.mem.cli.CommandRun.omega;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code omega memory --attach} against servers that misbehave: silent, trickling, endless, full of
 * escape sequences, behind a base path, absent; and against addresses that are not a dashboard's.
 * Each way of getting no answer is one line on stderr and exit code 2. Bounds on time are seconds
 * wide: they tell a deadline that works from one that does not, not how fast it works.
 */
class AttachTest {
  private final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopServers() throws Exception {
    for (AutoCloseable server : servers) {
      server.close();
    }
  }

  /** A socket server that runs {@code conversation} on each connection, each on its own thread. */
  private String rawServer(Consumer<Socket> conversation) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    servers.add(server);
    Thread.ofVirtual()
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket client = server.accept();
                  servers.add(client);
                  Thread.ofVirtual().start(() -> conversation.accept(client));
                } catch (IOException e) {
                  return;
                }
              }
            });
    return "http://127.0.0.1:" + server.getLocalPort() + "/";
  }

  /** A JDK HTTP server answering every path with {@code status} and {@code body}. */
  private String httpServer(int status, String body, List<String> asked) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          asked.add(exchange.getRequestURI().toString());
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    servers.add(() -> server.stop(0));
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  private static void readRequestHead(Socket client) throws IOException {
    InputStream in = client.getInputStream();
    int last4 = 0;
    for (int b = in.read(); b >= 0; b = in.read()) {
      last4 = (last4 << 8) | b;
      if (last4 == 0x0d0a0d0a) {
        return;
      }
    }
  }

  private static void assertOneLineNoAnswer(CommandRun r) {
    assertEquals(2, r.exit(), r.printed());
    assertEquals(1, r.err().lines().count(), "one line on stderr: " + r.printed());
    assertTrue(r.noStackTrace(), r.printed());
    assertEquals("", r.out(), r.printed());
  }

  @Test
  void attach_serverThatNeverAnswers_givesUpAtTheTimeoutInOneLine() throws Exception {
    String url =
        rawServer(
            client -> {
              // Accepts and reads, then says nothing until the test ends.
            });
    long start = System.nanoTime();
    CommandRun r = omega("memory", "--status", "--attach", url, "--timeout", "1");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertOneLineNoAnswer(r);
    assertTrue(r.firstErrLine().startsWith("no answer from " + url), r.printed());
    assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "gave up after " + took);
  }

  /** A server that sends a little of its answer at a time renews no per-read timeout. */
  @Test
  void attach_answerTrickledPastTheTimeout_givesUpAtTheTimeout() throws Exception {
    String url =
        rawServer(
            client -> {
              try (client) {
                readRequestHead(client);
                OutputStream out = client.getOutputStream();
                out.write(
                    "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                for (int i = 0; i < 200; i++) {
                  out.write('x');
                  out.flush();
                  Thread.sleep(150);
                }
              } catch (IOException | InterruptedException e) {
                // The client gave up, as it should.
              }
            });
    long start = System.nanoTime();
    CommandRun r = omega("memory", "--status", "--attach", url, "--timeout", "2");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertOneLineNoAnswer(r);
    assertTrue(r.firstErrLine().startsWith("no answer from " + url), r.printed());
    assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "gave up after " + took);
  }

  @Test
  void attach_endlessAnswer_refusedAtTheSizeCap() throws Exception {
    String url =
        rawServer(
            client -> {
              try (client) {
                readRequestHead(client);
                OutputStream out = client.getOutputStream();
                out.write(
                    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                while (true) {
                  out.write(chunk);
                }
              } catch (IOException e) {
                // The client stopped reading, as it should.
              }
            });
    CommandRun r = omega("memory", "--report", "--attach", url, "--timeout", "60");
    assertOneLineNoAnswer(r);
    assertEquals(
        url
            + "api/report sent an answer over "
            + Attach.MAX_BODY_BYTES
            + " bytes; it is not a"
            + " dashboard's",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void attach_answerWithEscapesAndControls_printedWithoutThem() throws Exception {
    String body =
        "\u001b[2J\u001b[H\u001b]0;pwned\u0007pool ok\r\n"
            + "fragmentation\t0.1\u001b[1A\u001b[2K\n"
            + "\u009b31mred\u0000\u007f\u0085 done\u202e\n";
    String url = httpServer(200, body, new CopyOnWriteArrayList<>());
    CommandRun r = omega("memory", "--status", "--attach", url);
    assertEquals(0, r.exit(), r.printed());
    assertEquals("pool ok\nfragmentation\t0.1\nred done\n", r.out(), r.printed());
  }

  @Test
  void attach_errorAnswerWithEscapesAndNewlines_isOneCleanLine() throws Exception {
    String url =
        httpServer(
            500, "broken\u001b[31m\r\nforged: all clear\u001b]0;t\u0007\n", new ArrayList<>());
    CommandRun r = omega("memory", "--report", "--attach", url);
    assertOneLineNoAnswer(r);
    assertEquals(url + "api/report answered HTTP 500: broken", r.firstErrLine(), r.printed());
  }

  @Test
  void attach_underABasePath_asksTheApiUnderIt() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    String root = httpServer(200, "status\n", asked);
    CommandRun withSlash = omega("memory", "--status", "--attach", root + "some/base/");
    CommandRun without = omega("memory", "--diagnose", "--attach", root + "some/base");
    assertEquals(0, withSlash.exit(), withSlash.printed());
    assertEquals(1, without.exit(), without.printed());
    assertEquals(
        List.of("/some/base/api/status?format=text", "/some/base/api/diagnosis?format=text"),
        asked);
  }

  @Test
  void attach_addressWithAQuery_passesItOn() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    String root = httpServer(200, "{}", asked);
    CommandRun r =
        omega("memory", "--status", "--format", "json", "--attach", root + "?token=secret");
    assertEquals(0, r.exit(), r.printed());
    assertEquals(List.of("/api/status?format=json&token=secret"), asked);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://[::1",
        "not a url",
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "127.0.0.1:8080",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:0/",
        "http:///api/",
        "http://:8080/",
        ""
      })
  void attach_addressNotADashboards_exitsTwoInOneLine(String address) {
    CommandRun r = omega("memory", "--status", "--attach", address);
    assertOneLineNoAnswer(r);
    assertTrue(
        r.firstErrLine().startsWith("--attach needs a dashboard's http address"), r.printed());
  }

  @Test
  void attach_closedPort_exitsTwoInOneLine() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/";
    CommandRun r = omega("memory", "--status", "--attach", url, "--timeout", "5");
    assertOneLineNoAnswer(r);
    assertTrue(r.firstErrLine().startsWith("cannot reach " + url), r.printed());
  }

  @Test
  void attach_timeoutOutOfRange_exitsTwoNamingIt() {
    CommandRun r = omega("memory", "--status", "--attach", "http://127.0.0.1:1/", "--timeout", "0");
    assertOneLineNoAnswer(r);
    assertEquals(
        "--timeout must be between 1 and 3600 seconds, got 0", r.firstErrLine(), r.printed());
  }
}
