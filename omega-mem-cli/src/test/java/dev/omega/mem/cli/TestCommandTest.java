package dev.omega.mem.cli;

import static dev.omega.mem.cli.CommandRun.omega;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code omega test} in this JVM: its help, its usage errors, and what it makes of the suite's run.
 * The suite here is a stand-in {@code SuiteMain}, compiled into a temporary suite directory, that
 * writes a results file the way the real one does; the real suite is {@code OmegaCommandIT}'s.
 */
class TestCommandTest {
  /**
   * Writes the results the real SuiteMain writes (category, counts, figures, one test) and exits 1
   * when given --stress, so both outcomes can be asked for. The message holds a quote and a line
   * break, which the JSON must escape.
   */
  private static final String STAND_IN =
      """
      package dev.omega.mem.it;

      import java.io.Writer;
      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.util.List;
      import java.util.Properties;

      public final class SuiteMain {
        public static void main(String[] args) throws Exception {
          List<String> a = List.of(args);
          boolean fail = a.contains("--stress");
          int c = a.indexOf("--category");
          Properties p = new Properties();
          p.setProperty("category", c < 0 ? "all" : a.get(c + 1));
          p.setProperty("stress", Boolean.toString(fail));
          p.setProperty("planned", "1");
          p.setProperty("passed", fail ? "0" : "1");
          p.setProperty("failed", fail ? "1" : "0");
          p.setProperty("skipped", "0");
          p.setProperty("seconds", "0.5");
          p.setProperty("tests", "1");
          p.setProperty("test.0.name", "StandInIT › works()");
          p.setProperty("test.0.status", fail ? "FAIL" : "PASS");
          p.setProperty("test.0.seconds", "0.25");
          p.setProperty("test.0.message", fail ? "expected \\"a\\"\\nbut was b" : "");
          p.setProperty("figures", "operations");
          p.setProperty("figure.operations", "1000");
          int r = a.indexOf("--results");
          if (r >= 0) {
            try (Writer w = Files.newBufferedWriter(Path.of(a.get(r + 1)))) {
              p.store(w, "stand-in");
            }
          }
          System.out.println("[  1] " + (fail ? "FAIL" : "PASS") + " StandInIT › works()");
          System.exit(fail ? 1 : 0);
        }
      }
      """;

  @TempDir Path dir;

  /** The stand-in suite, compiled once for the class. */
  @TempDir static Path suiteRoot;

  private static Path suite;

  @BeforeAll
  static void compileTheStandIn() throws Exception {
    Path target = suiteRoot.resolve("omega-mem-it/target");
    Path sources = Files.createDirectories(suiteRoot.resolve("src/dev/omega/mem/it"));
    Path classes = Files.createDirectories(target.resolve("test-classes"));
    Path source = Files.writeString(sources.resolve("SuiteMain.java"), STAND_IN);
    int compiled =
        ToolProvider.getSystemJavaCompiler()
            .run(null, null, null, "-d", classes.toString(), source.toString());
    assertEquals(0, compiled, "the stand-in suite compiles");
    Files.writeString(target.resolve("suite.classpath"), classes.toString());
    suite = target;
  }

  /**
   * Every test starts on an empty suite directory (the suite is not built there), so no test, and
   * no bug that lets a bad option through, launches the real suite beside this module.
   */
  @BeforeEach
  void noSuite() {
    System.setProperty("omega.suite.dir", dir.toString());
  }

  @AfterEach
  void forgetTheSuiteDirectory() {
    System.clearProperty("omega.suite.dir");
  }

  /** Points the command at the stand-in: a suite directory as the build leaves it. */
  private static void useTheStandIn() {
    System.setProperty("omega.suite.dir", suite.toString());
  }

  private static List<String> keys(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  @Test
  void help_exitsZeroAndListsEveryOptionAndEveryCategory() {
    CommandRun r = omega("test", "--help");
    assertEquals(0, r.exit(), r.printed());
    List<OptionSpec> options =
        OmegaCommand.commandLine().getSubcommands().get("test").getCommandSpec().options();
    for (OptionSpec option : options) {
      assertTrue(r.out().contains(option.longestName()), option.longestName() + "\n" + r.out());
    }
    for (TestCommand.Category c : TestCommand.Category.values()) {
      assertTrue(r.out().contains("\n  " + c.tag + " "), c.tag + "\n" + r.out());
    }
    assertTrue(r.out().contains("Not run by omega test: OmegaCommandIT (tag cli)"), r.out());
  }

  @Test
  void badCategory_exitsTwoNamingTheValueAndTheSixCategories() {
    CommandRun r = omega("test", "--category", "architecture");
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "--category must be one of [basic_allocation, concurrent_access, memory_leak_detection,"
            + " performance_benchmarks, stress_tests, contracts], got architecture",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void badFormat_exitsTwoNamingTheValueAndTheChoices() {
    CommandRun r = omega("test", "--format", "xml");
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "Invalid value for option '--format': expected one of [TEXT, JSON] (case-insensitive)"
            + " but was 'xml'",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void badSuite_exitsTwoNamingTheOneThereIs() {
    CommandRun r = omega("test", "--suite", "everything");
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "--suite must be memory_management, got everything", r.firstErrLine(), r.printed());
  }

  @Test
  void suiteNotBuilt_exitsOneSayingHowToBuildIt() {
    CommandRun r = omega("test");
    assertEquals(1, r.exit(), r.printed());
    assertEquals(
        "the test suite is not built ("
            + dir.resolve("suite.classpath")
            + " is missing): run ./omega test, which builds it, or mvn -B -DskipTests package",
        r.firstErrLine(),
        r.printed());
  }

  @Test
  void formatJson_suitePassed_printsOneDocumentWithTheDocumentedKeysAndExitsZero()
      throws Exception {
    useTheStandIn();
    CommandRun r = omega("test", "--category", "contracts", "--format", "json");
    assertEquals(0, r.exit(), r.printed());
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertEquals(
        List.of(
            "suite",
            "category",
            "stress",
            "ok",
            "planned",
            "passed",
            "failed",
            "skipped",
            "seconds",
            "summary",
            "tests"),
        keys(doc),
        r.out());
    assertEquals("memory_management", doc.path("suite").asText());
    assertEquals("contracts", doc.path("category").asText(), "the category reached the suite");
    assertTrue(doc.path("ok").asBoolean(), r.out());
    assertEquals(1, doc.path("passed").asLong(), r.out());
    assertEquals(1000, doc.path("summary").path("operations").asLong(), r.out());
    JsonNode test = doc.path("tests").path(0);
    assertEquals(List.of("name", "status", "seconds"), keys(test), r.out());
    assertEquals("StandInIT › works()", test.path("name").asText(), r.out());
    assertTrue(r.err().contains("PASS StandInIT"), "progress goes to stderr: " + r.printed());
  }

  @Test
  void formatJson_aTestFailed_exitsOneWithOkFalseAndTheMessage() throws Exception {
    useTheStandIn();
    CommandRun r = omega("test", "--stress-test", "--format", "json");
    assertEquals(1, r.exit(), r.printed());
    JsonNode doc = new ObjectMapper().readTree(r.out());
    assertEquals("all", doc.path("category").asText(), r.out());
    assertEquals(false, doc.path("ok").asBoolean(true), r.out());
    assertEquals(1, doc.path("failed").asLong(), r.out());
    JsonNode test = doc.path("tests").path(0);
    assertEquals("FAIL", test.path("status").asText(), r.out());
    assertEquals("expected \"a\"\nbut was b", test.path("message").asText(), r.out());
  }
}
