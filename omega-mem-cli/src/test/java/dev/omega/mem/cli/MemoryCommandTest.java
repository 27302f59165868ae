package dev.omega.mem.cli;

import static dev.omega.mem.cli.CommandRun.omega;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code omega memory} in this JVM: its help, the exit code and one-line message of each usage and
 * configuration error, and the JSON it prints. Runs that reach a workload use the smallest one (one
 * thread, one operation).
 */
class MemoryCommandTest {
  /** The smallest workload: mixed on one thread, one operation after its 1,024 allocations. */
  private static final String[] SMALLEST = {"--threads", "1", "--operations", "1"};

  @TempDir Path dir;

  private static String[] args(String... first) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(SMALLEST));
    return all.toArray(String[]::new);
  }

  private Path config(String text) throws Exception {
    return Files.writeString(dir.resolve("omega-mem.conf"), text);
  }

  private static JsonNode json(CommandRun r) throws Exception {
    return new ObjectMapper().readTree(r.out());
  }

  private static List<String> keys(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  @Test
  void help_exitsZeroAndListsEveryOption() {
    CommandRun r = omega("memory", "--help");
    assertEquals(0, r.exit(), r.printed());
    List<OptionSpec> options =
        OmegaCommand.commandLine().getSubcommands().get("memory").getCommandSpec().options();
    assertTrue(options.size() >= 14, "options: " + options.size());
    for (OptionSpec option : options) {
      assertTrue(r.out().contains(option.longestName()), option.longestName() + "\n" + r.out());
    }
    assertTrue(r.out().contains("churn, binary-trees,"), r.out());
    assertTrue(r.out().contains("--deterministic"), r.out());
    assertTrue(r.out().contains("(default: mixed)"), r.out());
    assertTrue(r.out().contains("0 all well, 1 problems found, 2 usage error"), r.out());
  }

  @Test
  void unknownOption_exitsTwoNamingIt() {
    CommandRun r = omega("memory", "--report", "--bogus");
    assertEquals(2, r.exit(), r.printed());
    assertEquals("Unknown option: '--bogus'", r.firstErrLine(), r.printed());
    assertTrue(r.err().contains("Usage: omega memory"), "the usage follows: " + r.printed());
  }

  @Test
  void noAction_exitsTwoNamingTheFourActions() {
    CommandRun r = omega("memory");
    assertEquals(2, r.exit(), r.printed());
    assertTrue(r.firstErrLine().startsWith("Error: Missing required argument"), r.printed());
    for (String action : List.of("--status", "--report", "--diagnose", "--monitor")) {
      assertTrue(r.firstErrLine().contains(action), r.printed());
    }
  }

  @Test
  void badFormat_exitsTwoNamingTheValueAndTheChoices() {
    CommandRun r = omega("memory", "--report", "--format", "yaml");
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "Invalid value for option '--format': expected one of [TEXT, JSON] (case-insensitive)"
            + " but was 'yaml'",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void badWorkload_exitsTwoNamingTheValueAndTheChoices() {
    CommandRun r = omega("memory", "--report", "--workload", "fibonacci");
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "unknown workload [fibonacci]; expected one of mixed, churn, binary-trees, cycles,"
            + " contract",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void badThreads_exitsTwoNamingTheRange() {
    CommandRun r = omega("memory", "--report", "--threads", "0");
    assertEquals(2, r.exit(), r.printed());
    assertEquals("--threads must be between 1 and 1024, got 0", r.firstErrLine(), r.printed());
  }

  @Test
  void missingConfigFile_exitsTwoNamingTheFile() {
    Path missing = dir.resolve("absent.conf");
    CommandRun r = omega(args("memory", "--report", "--config", missing.toString()));
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "invalid configuration: config file: " + missing + " (expected: a readable HOCON file)",
        r.firstErrLine(),
        r.printed());
    assertEquals("", r.out(), "no report for a configuration that was refused");
  }

  @Test
  void configThatIsADirectory_exitsTwoNamingIt() {
    CommandRun r = omega(args("memory", "--report", "--config", dir.toString()));
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "invalid configuration: config file: " + dir + " (expected: a readable HOCON file)",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void configNotHocon_exitsTwoSayingWhereItBroke() throws Exception {
    Path conf = config("pool_size = {\n");
    CommandRun r = omega(args("memory", "--report", "--config", conf.toString()));
    assertEquals(2, r.exit(), r.printed());
    assertTrue(
        r.firstErrLine()
            .startsWith(
                "invalid configuration: config file: " + conf + " (expected: valid HOCON ("),
        r.printed());
    assertTrue(r.noStackTrace(), r.printed());
  }

  @Test
  void invalidConfigValue_exitsTwoNamingKeyValueAndWhatIsAllowed() throws Exception {
    Path conf = config("block_size = 1000\n");
    CommandRun r = omega(args("memory", "--report", "--config", conf.toString()));
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "invalid configuration: block_size: 1000 (expected: a power of two between 512 and 1"
            + " MiB)",
        r.firstErrLine(),
        r.printed());
    assertEquals("", r.out(), r.printed());
  }

  /** The name is checked only when the system is assembled: once a stack trace and exit 1. */
  @Test
  void unknownStrategyInConfig_exitsTwoWithTheMessageNotAStackTrace() throws Exception {
    Path conf = config("allocation_strategy = nonsense\n");
    CommandRun r = omega(args("memory", "--report", "--config", conf.toString()));
    assertEquals(2, r.exit(), r.printed());
    assertTrue(
        r.firstErrLine()
            .startsWith(
                "invalid configuration: allocation_strategy: nonsense (expected: the name of an"
                    + " installed allocation strategy;"),
        r.printed());
    assertTrue(r.firstErrLine().contains("found [batch, random, sequential]"), r.printed());
    assertTrue(r.noStackTrace(), r.printed());
  }

  /** A worker thread that died of an exhausted pool once left a run reported as clean, exit 0. */
  @Test
  void workloadOutOfMemory_exitsOneWithTheRefusalNotAStackTrace() throws Exception {
    Path conf = config("pool_size = 64KiB\n");
    CommandRun r =
        omega(
            "memory",
            "--status",
            "--config",
            conf.toString(),
            "--threads",
            "2",
            "--operations",
            "2000");
    assertEquals(1, r.exit(), r.printed());
    assertTrue(
        r.err().lines().anyMatch(l -> l.startsWith("workload mixed failed: cannot allocate ")),
        r.printed());
    assertTrue(r.noStackTrace(), r.printed());
    assertEquals("", r.out(), "no status for a run that did not finish");
  }

  @Test
  void statusJson_parsesWithRunPoolAndGc() throws Exception {
    CommandRun r = omega(args("memory", "--status", "--format", "json"));
    assertEquals(0, r.exit(), r.printed());
    JsonNode doc = json(r);
    assertEquals(List.of("run", "pool", "gc"), keys(doc), r.out());
    assertEquals("mixed", doc.path("run").path("workload").asText(), r.out());
    assertEquals(1, doc.path("run").path("operations").asLong(), r.out());
    assertEquals(0, doc.path("run").path("errors").asLong(), r.out());
    assertTrue(doc.path("pool").path("capacity_bytes").asLong() > 0, r.out());
    assertEquals("", r.err(), "json keeps stderr quiet");
  }

  @Test
  void reportJson_onTheDefaultWorkload_usesManagerAndHeap_withColdAndWarmFigures()
      throws Exception {
    CommandRun r =
        omega("memory", "--report", "--format", "json", "--threads", "2", "--operations", "60000");
    assertEquals(0, r.exit(), r.printed());
    JsonNode doc = json(r);
    JsonNode run = doc.path("run");
    assertEquals("mixed", run.path("workload").asText(), r.out());
    assertTrue(run.path("operation").asText().contains("managed-heap object"), r.out());
    assertEquals(60_000, run.path("cold").path("operations").asLong(), r.out());
    assertEquals(60_000, run.path("warm").path("operations").asLong(), r.out());
    assertTrue(run.path("cold").path("ns_per_operation").asDouble() > 0, r.out());
    assertEquals(
        run.path("warm").path("ns_per_operation").asDouble(),
        run.path("ns_per_operation").asDouble(),
        r.out());
    assertEquals(0, run.path("errors").asLong(), r.out());
    // Both runs went through the manager (1,024 blocks per thread, one free and one allocation
    // per operation) and through the heap, whose garbage the collector reclaimed.
    assertTrue(doc.path("manager").path("allocations").asLong() >= 2 * 60_000, r.out());
    assertTrue(doc.path("gc").path("objects_freed").asLong() > 0, r.out());
    long collections = 0;
    for (JsonNode g : doc.path("gc").path("collections_per_generation")) {
      collections += g.asLong();
    }
    assertTrue(collections > 0, "the collector ran: " + r.out());
  }

  @Test
  void reportAndHelp_notOnATerminal_printNoEscapeCodes() {
    for (String[] args :
        List.of(
            new String[] {"memory", "--help"},
            args("memory", "--report"),
            args("memory", "--diagnose"),
            args("memory", "--status", "--format", "json"))) {
      CommandRun r = omega(args);
      assertFalse(r.out().contains("\u001b"), "escape code in stdout of " + List.of(args));
      assertFalse(r.err().contains("\u001b"), "escape code in stderr of " + List.of(args));
    }
  }

  @Test
  void reportJson_parsesWithRunPoolManagerGcAndBottlenecks() throws Exception {
    CommandRun r = omega(args("memory", "--report", "--format", "json"));
    assertEquals(0, r.exit(), r.printed());
    JsonNode doc = json(r);
    assertEquals(List.of("run", "pool", "manager", "gc", "bottlenecks"), keys(doc), r.out());
    assertTrue(doc.path("manager").path("size_classes").isArray(), r.out());
    assertTrue(doc.path("bottlenecks").isArray(), r.out());
  }

  @Test
  void diagnoseJson_addsTheFindings_andExitsOneForThem() throws Exception {
    // On the defaults leak detection is off, which the diagnosis reports.
    CommandRun r = omega(args("memory", "--diagnose", "--format", "json"));
    assertEquals(1, r.exit(), r.printed());
    JsonNode doc = json(r);
    assertEquals(
        List.of("run", "pool", "manager", "gc", "bottlenecks", "findings"), keys(doc), r.out());
    assertTrue(doc.path("findings").toString().contains("leak detection is off"), r.out());
  }
}
