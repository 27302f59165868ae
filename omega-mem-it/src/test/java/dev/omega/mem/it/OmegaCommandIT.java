package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code omega} jar run in a subprocess, as a user runs it: output and exit codes. */
@Tag("cli")
class OmegaCommandIT {
  private static final Path JAR =
      Path.of("").toAbsolutePath().getParent().resolve("omega-mem-cli/target/omega.jar");

  record Run(int exit, String out, String err) {}

  private static Run omega(String... args) throws IOException, InterruptedException {
    return omega(List.of(), args);
  }

  private static Run omega(List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    assertTrue(Files.isRegularFile(JAR), "the cli jar is built first: " + JAR);
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "omega finished");
    return new Run(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void memoryReport_onDefaults_printsTheReportAndExitsZero() throws Exception {
    Run r = omega("memory", "--report", "--operations", "200000");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("Omega Memory report"), r.out());
    assertTrue(r.out().contains("mixed: 200,000 operations"), r.out());
    assertTrue(r.out().contains("0 errors"), r.out());
    assertTrue(r.out().contains("size class"), r.out());
    assertTrue(r.out().contains("allocation site(s) by live bytes"), r.out());
    assertTrue(!r.out().contains("\u001b") && !r.err().contains("\u001b"), "no escape codes");
  }

  /**
   * Run with only the flags that {@code ./omega} passes, the command prints nothing the JDK warns
   * with: no {@code sun.misc.Unsafe} caller (Guava, Guice), no dynamically loaded agent, no native
   * access that was not granted.
   */
  @Test
  void memoryReport_onJava25_printsNoJdkWarnings() throws Exception {
    Run r = omega("memory", "--report", "--operations", "20000");
    assertEquals(0, r.exit(), r.err());
    List<String> warnings =
        (r.err() + "\n" + r.out()).lines().filter(line -> line.startsWith("WARNING:")).toList();
    assertEquals(List.of(), warnings, "stderr:\n" + r.err());
  }

  @Test
  void memoryStatus_json_isMachineReadable() throws Exception {
    Run r =
        omega(
            "memory",
            "--status",
            "--format",
            "json",
            "--workload",
            "cycles",
            "--operations",
            "20000");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("{"), r.out());
    assertTrue(r.out().contains("\"live_objects\": 0"), r.out());
    // The workload runs twice (cold, then warm): 20,000 objects each.
    assertTrue(r.out().contains("\"objects_freed\": 40000"), r.out());
  }

  /**
   * The contract workload prints only what its seed decides: two JVMs, one of them with checked
   * pool memory, print the same bytes; the last call's out-of-gas line and the digest are there.
   */
  @Test
  void memoryContract_sameSeedInTwoJvms_printsTheSameLines() throws Exception {
    String[] args = {
      "memory", "--workload", "contract", "--deterministic", "--seed", "31", "--operations", "50"
    };
    Run first = omega(args);
    Run second = omega(List.of("-Domega.mem.directAccess=false"), args);
    assertEquals(0, first.exit(), first.err());
    assertEquals(0, second.exit(), second.err());
    assertEquals(first.out(), second.out());
    assertTrue(first.out().matches("(?s).*\\nout of gas   call #50 \\(contract .*"), first.out());
    assertTrue(first.out().matches("(?s).*\\ndigest       [0-9a-f]{64} .*"), first.out());
  }

  @Test
  void memoryDiagnose_withFindings_exitsOne() throws Exception {
    Run r = omega("memory", "--diagnose", "--operations", "10000");
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("leak detection is off"), r.out());
  }

  @Test
  void memoryDiagnose_withLeakDetectionOn_findsNothingAndExitsZero(@TempDir Path dir)
      throws Exception {
    Path conf = dir.resolve("omega-mem.conf");
    Files.writeString(conf, "leak_detection = SAMPLED\npool_size = 32MiB\n");
    Run r = omega("memory", "--diagnose", "--config", conf.toString(), "--operations", "10000");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("no problems found"), r.out());
  }

  @Test
  void badArguments_exitTwoWithTheReason(@TempDir Path dir) throws Exception {
    Run unknown = omega("memory", "--report", "--bogus");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().contains("Unknown option: '--bogus'"), unknown.err());
    Run none = omega("memory");
    assertEquals(2, none.exit());
    Run both = omega("memory", "--report", "--status");
    assertEquals(2, both.exit());
    Run workload = omega("memory", "--report", "--workload", "nope");
    assertEquals(2, workload.exit());
    assertTrue(
        workload.err().contains("expected one of mixed, churn, binary-trees, cycles"),
        workload.err());
    Path conf = dir.resolve("bad.conf");
    Files.writeString(conf, "block_size = 1000\n");
    Run badConfig = omega("memory", "--report", "--config", conf.toString());
    assertEquals(2, badConfig.exit());
    assertTrue(
        badConfig
            .err()
            .contains("block_size: 1000 (expected: a power of two between 512 and 1 MiB)"),
        badConfig.err());
  }

  @Test
  void help_printsUsageAndExitsZero() throws Exception {
    Run r = omega("memory", "--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("--diagnose"), r.out());
    Run top = omega("--help");
    assertEquals(0, top.exit());
    assertTrue(top.out().contains("memory"), top.out());
  }

  private static Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  @Test
  void memoryMonitor_servesTheDashboard_andAttachReadsItFromAnotherProcess() throws Exception {
    Process server =
        start("memory", "--monitor", "--duration", "20", "--operations", "20000", "--threads", "2");
    try {
      java.io.BufferedReader lines =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String first = lines.readLine();
      while (first != null && !first.startsWith("dashboard: ")) {
        first = lines.readLine();
      }
      assertTrue(first != null, "--monitor prints the dashboard's address");
      String url = first.substring("dashboard: ".length()).strip();
      assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+/"), url);
      Thread.sleep(1500);

      Run report = omega("memory", "--report", "--attach", url);
      assertEquals(0, report.exit(), report.err());
      assertTrue(report.out().startsWith("Omega Memory performance report"), report.out());
      assertTrue(report.out().contains("allocation   p50"), report.out());

      Run status = omega("memory", "--status", "--attach", url, "--format", "json");
      assertEquals(0, status.exit(), status.err());
      assertTrue(status.out().startsWith("{\"current\":"), status.out());

      // The server runs on the default configuration, whose leak_detection is DISABLED: the
      // application's own diagnosis reports that, so the attached command has a finding and
      // exits 1, as the embedded run on defaults does (memoryDiagnose_withFindings_exitsOne).
      Run diagnose = omega("memory", "--diagnose", "--attach", url);
      assertEquals(1, diagnose.exit(), diagnose.out() + diagnose.err());
      assertTrue(diagnose.out().contains("finding(s):"), diagnose.out());
      assertTrue(diagnose.out().contains("leak detection is off"), diagnose.out());
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void attach_toNothing_andBadUrls_exitTwoWithTheReason() throws Exception {
    Run nothing = omega("memory", "--report", "--attach", "http://127.0.0.1:9/");
    assertEquals(2, nothing.exit());
    assertTrue(nothing.err().contains("cannot reach"), nothing.err());
    Run bad = omega("memory", "--report", "--attach", "ftp://example/");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("--attach needs"), bad.err());
  }

  @Test
  void test_runsACategoryThroughTheLauncher_withProgressAndSummary() throws Exception {
    Run r = omega("test", "--suite", "memory_management", "--category", "basic_allocation");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("category basic_allocation"), r.out());
    assertTrue(r.out().contains("PASS BadInputIT"), r.out());
    assertTrue(r.out().matches("(?s).*summary: (\\d+) tests, \\1 passed, 0 failed.*"), r.out());
    assertTrue(r.out().contains("omega suite summary: operations"), r.out());
    Run bad = omega("test", "--category", "nonsense");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("basic_allocation"), bad.err());
  }

  @Test
  void test_formatJson_printsOneDocumentOnStdout_andProgressOnStderr() throws Exception {
    Run r = omega("test", "--category", "basic_allocation", "--format", "json");
    assertEquals(0, r.exit(), r.out() + r.err());
    String json = r.out().strip();
    assertTrue(json.startsWith("{") && json.endsWith("}"), "stdout is one JSON object: " + json);
    assertTrue(json.contains("\"category\": \"basic_allocation\""), json);
    assertTrue(json.contains("\"ok\": true"), json);
    assertTrue(json.contains("\"failed\": 0"), json);
    // The category's tests read back what they wrote (BadInputIT's witnesses, ModelBasedIT's
    // blocks and objects) and count it: data_lost 0 means something when data_checked is not.
    assertTrue(json.matches("(?s).*\"data_checked\": [1-9]\\d*,.*"), json);
    assertTrue(json.contains("\"data_lost\": 0"), json);
    assertTrue(
        json.matches("(?s).*\"name\": \"BadInputIT › [^\"]+\",\\s+\"status\": \"PASS\".*"), json);
    assertTrue(r.err().contains("PASS BadInputIT"), "progress goes to stderr: " + r.err());
  }
}
