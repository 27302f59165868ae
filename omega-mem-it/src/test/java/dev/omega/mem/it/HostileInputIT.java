package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.omega.mem.runtime.OmegaMemory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operational surface attacked as an adversary would, each attack against the real thing: the
 * dashboard an application serves (started from a configuration file, as a user starts it), the
 * {@code omega} command attaching to servers that misbehave, history and audit files on disk, a
 * process killed while it writes its history, and configurations that try to reach the network or
 * carry bad values. Each attack adds one to {@link SuiteTally#BAD_INPUTS}.
 *
 * <p>The command runs in a JVM of its own, from this suite's class path, as {@code main} runs it:
 * its exit code and its stdout and stderr are what a user sees. Bounds on time are tens of seconds
 * on purpose: they tell a deadline that holds from one that does not, on a loaded machine.
 */
@Tag("stress_tests")
class HostileInputIT {
  /** Tokens are at least 16 printable characters; this one is what the right client sends. */
  private static final String TOKEN = "s3cret-token-for-hostile-input";

  /** More connections than the dashboard admits at once (32 unless configured otherwise). */
  private static final int FLOOD = 48;

  @TempDir Path dir;

  private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  private static void attack() {
    SuiteTally.BAD_INPUTS.increment();
  }

  // ------------------------------------------------------------------ the dashboard

  /** An application started from a configuration file with its dashboard on a free port. */
  private int dashboard(String extraConfig) throws IOException {
    Path conf =
        Files.writeString(
            dir.resolve("dashboard.conf"),
            "pool_size = 16MiB\nenable_real_time_monitoring = true\ndashboard_port = 0\n"
                + extraConfig);
    OmegaMemory omega = OmegaMemory.fromConfig(conf);
    opened.add(omega);
    return omega.dashboardAddress().orElseThrow().getPort();
  }

  /** A reply read off the wire: status, headers by lower-case name, body. */
  private record Answer(int status, Map<String, String> headers, String body) {}

  /** Sends {@code request} as it is and reads the reply to the end (the server closes). */
  private static Answer ask(int port, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 20_000);
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return parse(socket.getInputStream().readAllBytes());
    }
  }

  private static Answer parse(byte[] reply) {
    String text = new String(reply, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    assertTrue(end > 0, "an HTTP reply: " + text);
    String[] lines = text.substring(0, end).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
  }

  private static String get(String target, String host, String... headerLines) {
    StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\n");
    if (host != null) {
      request.append("Host: ").append(host).append("\r\n");
    }
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    return request.append("\r\n").toString();
  }

  private static String host(int port) {
    return "127.0.0.1:" + port;
  }

  /** What happened to one hostile connection: refused at once, cut off, or still held. */
  private enum Fate {
    REFUSED_503,
    CUT_OFF,
    STILL_OPEN
  }

  @Test
  void dashboard_slowClientsFloodPastTheCap_aWellBehavedClientIsStillServed() throws Exception {
    int port = dashboard("");
    String partialHead = "GET /api/status HTTP/1.1\r\nHost: " + host(port) + "\r\n";
    List<Socket> slow = new ArrayList<>();
    List<Fate> fates = new CopyOnWriteArrayList<>();
    List<Thread> readers = new ArrayList<>();
    AtomicBoolean trickling = new AtomicBoolean(true);
    for (int i = 0; i < FLOOD; i++) {
      Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
      opened.add(socket);
      slow.add(socket);
      socket.getOutputStream().write(partialHead.getBytes(StandardCharsets.ISO_8859_1));
      socket.setSoTimeout(60_000);
      readers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      byte[] reply = socket.getInputStream().readAllBytes();
                      fates.add(
                          new String(reply, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 503")
                              ? Fate.REFUSED_503
                              : Fate.CUT_OFF);
                    } catch (SocketTimeoutException e) {
                      fates.add(Fate.STILL_OPEN);
                    } catch (IOException e) {
                      fates.add(Fate.CUT_OFF);
                    }
                  }));
      attack();
    }
    // Each slow client sends a header line every half second: a per-read timeout alone would
    // keep all of them (and every slot) for good.
    Thread trickler =
        Thread.ofVirtual()
            .start(
                () -> {
                  long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                  try {
                    Thread.sleep(1000);
                    while (trickling.get() && System.nanoTime() < stop) {
                      for (Socket socket : slow) {
                        try {
                          socket.getOutputStream().write("X-Slow: 1\r\n".getBytes());
                        } catch (IOException e) {
                          // The server let this one go.
                        }
                      }
                      Thread.sleep(500);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    long start = System.nanoTime();
    Duration firstAnswer = null;
    Answer served = null;
    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
      Answer a;
      try {
        a = ask(port, get("/api/status", host(port)));
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        // Refused while its request was still unread: the refusal can arrive as a reset.
        a = null;
      }
      if (firstAnswer == null) {
        firstAnswer = Duration.ofNanos(System.nanoTime() - start);
      }
      if (a != null && a.status() == 200) {
        served = a;
        break;
      }
      if (a != null) {
        assertEquals(503, a.status(), "the only refusal a good client may get is 'busy': " + a);
      }
      Thread.sleep(200);
    }
    Duration servedAfter = Duration.ofNanos(System.nanoTime() - start);
    trickling.set(false);
    trickler.join();
    for (Thread reader : readers) {
      reader.join(Duration.ofSeconds(90));
    }

    assertTrue(
        firstAnswer.compareTo(Duration.ofSeconds(20)) < 0,
        "a good client is answered at once even while every slot is held: " + firstAnswer);
    assertTrue(served != null, "a good client was served within 60 s of the flood");
    assertTrue(served.body().startsWith("{\"current\":"), served.body());
    assertTrue(
        servedAfter.compareTo(Duration.ofSeconds(40)) < 0,
        "served once the slow clients' header deadline passed: " + servedAfter);
    assertEquals(FLOOD, fates.size(), "every slow client's connection ended: " + fates);
    assertFalse(fates.contains(Fate.STILL_OPEN), "no slow client kept its slot: " + fates);
    assertTrue(fates.contains(Fate.REFUSED_503), "connections past the cap are refused: " + fates);
    assertTrue(fates.contains(Fate.CUT_OFF), "admitted slow clients are cut off: " + fates);
  }

  @Test
  void dashboard_foreignHostHeaders_refusedWith421() throws Exception {
    int port = dashboard("");
    for (String host :
        new String[] {"evil.example:" + port, "evil.example", "127.0.0.1:1", "localhost.evil"}) {
      Answer a = ask(port, get("/api/status", host));
      attack();
      assertEquals(421, a.status(), "Host: " + host + " -> " + a);
      assertFalse(a.body().contains("current"), "no figures for a foreign host: " + a.body());
    }
    Answer none = ask(port, get("/api/status", null));
    attack();
    assertEquals(421, none.status(), "no Host header: " + none);
    assertEquals(200, ask(port, get("/api/status", host(port))).status(), "its own name is served");
  }

  @Test
  void dashboard_withToken_refusesMissingAndWrongTokens_servesTheRightOne() throws Exception {
    int port = dashboard("dashboard_token = \"" + TOKEN + "\"\n");
    List<Answer> refused =
        List.of(
            ask(port, get("/api/status", host(port))),
            ask(port, get("/api/status", host(port), "Authorization: Bearer wrong-token-wrong-1")),
            ask(port, get("/api/status", host(port), "Authorization: Bearer " + TOKEN + "x")),
            ask(port, get("/api/status", host(port), "Authorization: Basic " + TOKEN)),
            ask(port, get("/api/status?token=" + TOKEN.substring(1), host(port))),
            ask(port, get("/metrics?token=", host(port))));
    for (Answer a : refused) {
      attack();
      assertEquals(401, a.status(), a.toString());
      assertFalse(a.body().contains("current"), a.body());
    }
    Answer bearer = ask(port, get("/api/status", host(port), "Authorization: Bearer " + TOKEN));
    Answer query = ask(port, get("/api/status?token=" + TOKEN, host(port)));
    assertEquals(200, bearer.status(), bearer.toString());
    assertEquals(200, query.status(), query.toString());
    assertTrue(bearer.body().startsWith("{\"current\":"), bearer.body());
  }

  @Test
  void dashboard_everyAnswer_carriesNosniff() throws Exception {
    int port = dashboard("");
    List<Answer> answers =
        List.of(
            ask(port, get("/api/status", host(port))),
            ask(port, get("/", host(port))),
            ask(port, get("/no/such/page", host(port))),
            ask(port, get("/api/status", "evil.example")),
            ask(port, "POST /api/status HTTP/1.1\r\nHost: " + host(port) + "\r\n\r\n"),
            ask(port, "NONSENSE\r\n\r\n"));
    assertEquals(
        List.of(200, 200, 404, 421, 405, 400), answers.stream().map(Answer::status).toList());
    for (Answer a : answers) {
      assertEquals("nosniff", a.headers().get("x-content-type-options"), a.toString());
    }
    answers.stream().filter(a -> a.status() != 200).forEach(a -> attack());
  }

  @Test
  void dashboard_reportAndRequestSizes_areBounded() throws Exception {
    int port = dashboard("");
    for (String limit : new String[] {"3601", "1000000", "-1", "99999999999", "all"}) {
      Answer a = ask(port, get("/api/report?limit=" + limit, host(port)));
      attack();
      assertEquals(400, a.status(), "limit=" + limit + " -> " + a);
      assertTrue(a.body().startsWith("limit is the number of newest samples"), a.body());
    }
    assertEquals(200, ask(port, get("/api/report?limit=3600", host(port))).status());
    // One byte past the header cap and no more: the server reads all of it before refusing, so its
    // close is a clean one and the refusal is not lost to a reset.
    String start = "GET /api/status HTTP/1.1\r\nHost: " + host(port) + "\r\nX-Big: ";
    Answer bigHeader = ask(port, start + "a".repeat(16 * 1024 + 1 - start.length()));
    attack();
    assertEquals(431, bigHeader.status(), bigHeader.toString());
    String[] manyLines = new String[150];
    Arrays.setAll(manyLines, i -> "X-Line-" + i + ": 1");
    Answer manyHeaders = ask(port, get("/api/status", host(port), manyLines));
    attack();
    assertEquals(431, manyHeaders.status(), manyHeaders.toString());
  }

  // ------------------------------------------------------------------ omega memory --attach

  /** What one run of {@code omega} printed, and how it ended. */
  private record Run(int exit, String out, String err, Duration took) {
    String printed() {
      return "exit " + exit + " after " + took + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }

    void assertOneLineExitTwo() {
      assertEquals(2, exit, printed());
      assertEquals(1, err.lines().count(), "one line on stderr: " + printed());
      assertFalse(err.contains("\tat ") || err.contains("Exception"), printed());
    }
  }

  private static List<String> java(String mainClass, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  /** Runs {@code omega args} in a JVM of its own, as {@code main} runs it. */
  private Run omega(String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    long start = System.nanoTime();
    Process p =
        new ProcessBuilder(java("dev.omega.mem.cli.OmegaCommand", List.of(), args))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "omega " + List.of(args) + " finished");
    } finally {
      p.destroyForcibly();
    }
    return new Run(
        p.exitValue(),
        Files.readString(out),
        Files.readString(err),
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** A socket server running {@code conversation} on each connection, each on its own thread. */
  private String rawServer(Consumer<Socket> conversation) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    opened.add(server);
    Thread.ofVirtual()
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket client = server.accept();
                  opened.add(client);
                  Thread.ofVirtual().start(() -> conversation.accept(client));
                } catch (IOException e) {
                  return;
                }
              }
            });
    return "http://127.0.0.1:" + server.getLocalPort() + "/";
  }

  /** A JDK HTTP server answering under {@code context} with {@code body}; records what is asked. */
  private String httpServer(String context, String body, List<String> asked) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        context,
        exchange -> {
          asked.add(exchange.getRequestURI().toString());
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    opened.add(() -> server.stop(0));
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

  @Test
  void attach_serverThatNeverAnswers_givesUpAtTheTimeout() throws Exception {
    String url = rawServer(client -> {});
    Run r = omega("memory", "--status", "--attach", url, "--timeout", "2");
    attack();
    r.assertOneLineExitTwo();
    assertTrue(r.err().startsWith("no answer from " + url), r.printed());
    assertTrue(r.took().compareTo(Duration.ofSeconds(60)) < 0, r.printed());
  }

  @Test
  void attach_answerTrickledForever_givesUpAtTheTimeout() throws Exception {
    String url =
        rawServer(
            client -> {
              try (client) {
                readRequestHead(client);
                OutputStream out = client.getOutputStream();
                out.write(
                    "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                for (int i = 0; i < 100_000; i++) {
                  out.write('x');
                  out.flush();
                  Thread.sleep(100);
                }
              } catch (IOException | InterruptedException e) {
                // The command gave up, as it should.
              }
            });
    Run r = omega("memory", "--report", "--attach", url, "--timeout", "2");
    attack();
    r.assertOneLineExitTwo();
    assertTrue(r.err().startsWith("no answer from " + url), r.printed());
    assertTrue(r.took().compareTo(Duration.ofSeconds(60)) < 0, r.printed());
  }

  @Test
  void attach_endlessAnswer_refusedAtTheSizeCap() throws Exception {
    AtomicInteger sent = new AtomicInteger();
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
                Arrays.fill(chunk, (byte) 'x');
                // Endless for the command; bounded here so that a command that never stops
                // reading still lets this test end (at 1 GiB).
                for (int i = 0; i < 16 * 1024; i++) {
                  out.write(chunk);
                  sent.incrementAndGet();
                }
              } catch (IOException e) {
                // The command stopped reading, as it should.
              }
            });
    Run r = omega("memory", "--report", "--attach", url, "--timeout", "60");
    attack();
    r.assertOneLineExitTwo();
    assertEquals(
        url + "api/report sent an answer over 8388608 bytes; it is not a dashboard's",
        r.err().strip(),
        r.printed());
    assertTrue(sent.get() < 16 * 1024, "the command stopped reading at the cap: " + sent.get());
  }

  @Test
  void attach_answerWithEscapeSequencesAndControls_printsNoneOfThem() throws Exception {
    String body =
        "\u001b[2J\u001b[H\u001b]0;owned\u0007pool 16.0 MiB\r\n"
            + "fragmentation\t0.10\u001b[1A\u001b[2Kall clear\n"
            + "\u009b31mred\u0000\u0008\u007f\u0085 done\u202e\u001bc\n";
    String url = httpServer("/", body, new CopyOnWriteArrayList<>());
    Run r = omega("memory", "--status", "--attach", url);
    attack();
    assertEquals(0, r.exit(), r.printed());
    assertEquals("pool 16.0 MiB\nfragmentation\t0.10all clear\nred done\n", r.out(), r.printed());
    assertTrue(
        r.out().chars().allMatch(c -> c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)),
        r.printed());
  }

  @Test
  void attach_dashboardUnderABasePath_isAskedUnderIt() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    String root = httpServer("/some/base/", "report\n", asked);
    Run r = omega("memory", "--report", "--attach", root + "some/base/");
    assertEquals(0, r.exit(), r.printed());
    assertEquals("report\n", r.out(), r.printed());
    assertEquals(List.of("/some/base/api/report?format=text"), asked);
  }

  @Test
  void attach_addressesThatAreNotADashboards_exitTwoInOneLine() throws Exception {
    for (String address :
        new String[] {
          "http://[::1", "ftp://127.0.0.1/", "http://127.0.0.1:99999/", "http:///api/", "nonsense"
        }) {
      Run r = omega("memory", "--status", "--attach", address);
      attack();
      r.assertOneLineExitTwo();
      assertTrue(
          r.err().startsWith("--attach needs a dashboard's http address"),
          address + "\n" + r.printed());
      assertEquals("", r.out(), r.printed());
    }
  }

  @Test
  void attach_closedPort_exitsTwoInOneLine() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/";
    Run r = omega("memory", "--diagnose", "--attach", url, "--timeout", "10");
    attack();
    r.assertOneLineExitTwo();
    assertTrue(r.err().startsWith("cannot reach " + url), r.printed());
  }

  // ------------------------------------------------------------------ files on disk

  /** Warnings the monitor logs through the JDK logger, while {@code body} runs. */
  private static List<String> monitorWarnings(ThrowingRunnable body) throws Exception {
    Logger logger = Logger.getLogger("omega.monitor");
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
              warnings.add(record.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    try {
      body.run();
    } finally {
      logger.removeHandler(handler);
    }
    return warnings;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private OmegaMemory withHistory(Path history) throws IOException {
    Path conf =
        Files.writeString(
            dir.resolve("history.conf"),
            "pool_size = 16MiB\nenable_real_time_monitoring = true\nhistory_file = \""
                + history.toString().replace("\\", "/")
                + "\"\n");
    OmegaMemory omega = OmegaMemory.fromConfig(conf);
    opened.add(omega);
    return omega;
  }

  private static List<Path> besides(Path file, String infix) throws IOException {
    try (Stream<Path> files = Files.list(file.getParent())) {
      return files
          .filter(f -> f.getFileName().toString().startsWith(file.getFileName() + infix))
          .toList();
    }
  }

  @Test
  void historyFile_corruptOrEmpty_movedAsideWithAWarning_andStartUpGoesOn() throws Exception {
    byte[][] contents = {
      "this is not a history\n\u0000\u0001binary".getBytes(StandardCharsets.UTF_8),
      new byte[0],
      {(byte) 0xff, (byte) 0xfe, 'x', '\n'}
    };
    for (byte[] content : contents) {
      Path history = Files.createTempDirectory(dir, "history").resolve("history.tsv");
      Files.write(history, content);
      List<String> warnings =
          monitorWarnings(
              () -> {
                OmegaMemory omega = withHistory(history);
                assertTrue(omega.monitor().isMonitoring(), "the application started");
                assertTrue(omega.monitor().generateReport().history().isEmpty());
              });
      attack();
      List<Path> aside = besides(history, ".corrupt-");
      assertEquals(1, aside.size(), "the bad file was moved aside: " + aside);
      assertTrue(Arrays.equals(content, Files.readAllBytes(aside.get(0))), "kept as it was");
      assertTrue(
          warnings.stream().anyMatch(w -> w.contains("moved it to " + aside.get(0))),
          "a warning names where it went: " + warnings);
    }
  }

  /** How slf4j-simple starts an audit line: thread, level, logger; then the event. */
  private static final String AUDIT_LINE_START = "\\[main\\] (INFO|WARN) omega\\.audit - event=";

  @Test
  void auditLog_valuesThatTryToForgeLines_stayInsideTheirOwnLine() throws Exception {
    Path log = dir.resolve("audit.log");
    String[] names = {
      "x\nevent=all_clear domain=x",
      "y\r\n2026-01-01 INFO omega.audit - event=domain_closed domain=y",
      "z\u2028event=forged",
      "w\" event=forged key=\"",
      "v\u001b[1A\u001b[2Kevent=repainted"
    };
    List<String> options =
        List.of(
            "-Dorg.slf4j.simpleLogger.logFile=" + log,
            "-Dorg.slf4j.simpleLogger.log.omega.audit=info",
            "-Dorg.slf4j.simpleLogger.showDateTime=false");
    Process p =
        new ProcessBuilder(java(AuditForgeryProgram.class.getName(), options, names))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("program.txt").toFile())
            .start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the program finished");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("program.txt")));
    for (String ignored : names) {
      attack();
    }

    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    List<String> audit = lines.stream().filter(l -> l.contains("omega.audit")).toList();
    assertTrue(audit.size() >= 3 * names.length, "opened, refused, closed per name: " + lines);
    for (String line : lines) {
      assertTrue(
          line.matches(AUDIT_LINE_START + ".*") || !line.contains("event="),
          "every event is on a line the logger started: " + line);
      assertFalse(line.contains("event=all_clear") && !line.contains("\\n"), line);
      assertFalse(line.chars().anyMatch(c -> c < 0x20 && c != '\t'), "no control: " + line);
    }
    for (String event : List.of("domain_opened", "quota_exceeded", "domain_closed")) {
      assertEquals(
          names.length,
          audit.stream().filter(l -> l.matches(AUDIT_LINE_START + event + " .*")).count(),
          event + ": " + audit);
    }
    assertTrue(
        audit.stream().anyMatch(l -> l.contains("domain=\"x\\nevent=all_clear domain=x\"")),
        "a name stays one quoted value: " + audit);
  }

  @Test
  void historyFile_processKilledWithSigterm_isLeftWholeAndLoads() throws Exception {
    Path history = dir.resolve("killed").resolve("history.tsv");
    Path conf =
        Files.writeString(
            dir.resolve("killed.conf"),
            "pool_size = 16MiB\nmetrics_collection_interval = 100ms\nhistory_file = \""
                + history.toString().replace("\\", "/")
                + "\"\n");
    Path out = dir.resolve("killed-out.txt");
    Process p =
        new ProcessBuilder(
                java(
                    "dev.omega.mem.cli.OmegaCommand",
                    List.of(),
                    "memory",
                    "--monitor",
                    "--config",
                    conf.toString(),
                    "--threads",
                    "1",
                    "--operations",
                    "20000"))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(out).contains("dashboard: ") && System.nanoTime() < deadline) {
        assertTrue(p.isAlive(), "the monitor runs: " + Files.readString(out));
        Thread.sleep(200);
      }
      assertTrue(Files.readString(out).contains("dashboard: "), Files.readString(out));
      // Some samples, well before the history's first periodic write (a minute of sampling).
      Thread.sleep(2000);
      assertFalse(Files.exists(history), "nothing written before the signal");
      p.destroy();
      attack();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "SIGTERM ends the process");
    } finally {
      p.destroyForcibly();
    }

    assertTrue(Files.isRegularFile(history), "the shutdown hook wrote the history");
    assertEquals(List.of(), besides(history, ".tmp"), "no temporary file left behind");
    List<String> lines = Files.readAllLines(history);
    long samples = lines.stream().skip(1).filter(l -> !l.isBlank()).count();
    assertTrue(samples >= 1, "samples taken before the signal: " + lines);
    List<String> warnings =
        monitorWarnings(
            () -> {
              OmegaMemory omega = withHistory(history);
              long loaded = omega.monitor().generateReport().history().size();
              SuiteTally.compared(samples, Math.max(0, samples - loaded));
              assertTrue(loaded >= samples, "loaded " + loaded + " of " + samples);
            });
    assertEquals(List.of(), besides(history, ".corrupt-"), "the file loaded as it is");
    assertEquals(List.of(), warnings, "loading it raised no warning");
  }

  // ------------------------------------------------------------------ bad configurations

  @Test
  void configuration_reachingOutOrBad_exitsTwoInOneLine() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    String listener =
        rawServer(
            client -> {
              connections.incrementAndGet();
              try (client) {
                client.getOutputStream().write("pool_size = 1MiB\n".getBytes());
              } catch (IOException e) {
                // Nothing more to say.
              }
            });
    Files.writeString(dir.resolve("other.conf"), "pool_size = 8MiB\n");
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("include url(\"" + listener + "x.conf\")\n", "include: include url(\"http");
    configs.put("include \"" + listener + "x.conf\"\n", "include: include \"http");
    configs.put("include file(\"other.conf\")\n", "include: include file(\"other.conf\")");
    configs.put(
        "include classpath(\"omega-mem.conf\")\n",
        "include: include classpath(\"omega-mem.conf\")");
    configs.put("pool_size = ${OMEGA_HOSTILE_INPUT_UNSET_VARIABLE}\n", "pool_size: ");
    configs.put("block_size = 1000\n", "block_size: 1000");
    configs.put("dashboard_port = 99999\n", "dashboard_port: 99999");
    configs.put("dashboard_token = \"short\"\n", "dashboard_token: ");
    configs.put("history_size = 0\n", "history_size: 0");
    configs.put("metrics_collection_interval = -5\n", "metrics_collection_interval: ");
    configs.put("pool_size = lots\n", "pool_size: ");
    int i = 0;
    for (Map.Entry<String, String> config : configs.entrySet()) {
      Path file = Files.writeString(dir.resolve("bad-" + i++ + ".conf"), config.getKey());
      Run r =
          omega(
              "memory",
              "--status",
              "--config",
              file.toString(),
              "--threads",
              "1",
              "--operations",
              "1");
      attack();
      r.assertOneLineExitTwo();
      assertTrue(
          r.err().startsWith("invalid configuration: " + config.getValue()),
          config.getKey() + r.printed());
      assertEquals("", r.out(), r.printed());
    }
    assertEquals(0, connections.get(), "loading a configuration made no network request");
  }
}
