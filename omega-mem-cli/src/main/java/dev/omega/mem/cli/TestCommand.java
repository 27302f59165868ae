package dev.omega.mem.cli;

import dev.omega.mem.json.JsonWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Option;

/**
 * {@code omega test --suite memory_management [--category NAME] [--monitor-performance]
 * [--stress-test]}: runs the categorised reliability suite (the {@code omega-mem-it} tests, by the
 * same tags {@code mvn verify -Dgroups=...} selects) through the JUnit Platform launcher in a JVM
 * of its own, streaming its progress and summary. The suite's class path is the one Maven wrote to
 * {@code omega-mem-it/target/suite.classpath}; the {@code ./omega} launcher builds it when missing.
 *
 * <p>With {@code --format json} the progress goes to stderr and stdout gets one JSON document: the
 * run, every test's outcome and the suite's figures, read back from the results file the suite
 * writes ({@code SuiteMain --results}).
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the memory-management test suite with progress and a summary: every category below,"
          + " or the one --category names.",
      "Exit codes: 0 all passed, 1 a test failed or the suite is not built, 2 usage error."
    })
final class TestCommand implements Callable<Integer> {
  /**
   * The suite's categories: the JUnit tags of {@code omega-mem-it} that {@code omega test} runs,
   * each with the test classes that carry it, for {@code --help}. {@code SuiteCategoriesTest} fails
   * when a class's tags and this list disagree, or when a test class carries none of them.
   */
  enum Category {
    BASIC_ALLOCATION(
        "basic_allocation",
        "systems assembled as users build them, plugins found, bad input refused, model-based"
            + " operation sequences",
        "AssemblyIT, BadInputIT, DiscoveryIT, ModelBasedIT"),
    CONCURRENT_ACCESS(
        "concurrent_access",
        "threads racing on the manager, the heap and a domain's quota; the jcstress races; a"
            + " deterministic heap's trace equal in two JVMs, one with threads churning beside it",
        "DeterminismIT, DomainModelIT, HeapUnderLoadIT, ManagerUnderLoadIT (its 256-thread test),"
            + " RaceIT, SafetyUnderConcurrencyIT"),
    MEMORY_LEAK_DETECTION(
        "memory_leak_detection",
        "planted leaks found by leak detection",
        "ManagerUnderLoadIT (its leak test)"),
    PERFORMANCE_BENCHMARKS(
        "performance_benchmarks",
        "short performance runs, the monitor and its exporters, the dashboard in a browser",
        "DashboardBrowserIT, MonitoringIT, PerformanceIT"),
    STRESS_TESTS(
        "stress_tests",
        "exhaustion and recovery, injected faults, hostile clients, servers, files and"
            + " configurations, a process killed mid-run, long model-based sequences",
        "FaultsIT, HostileInputIT, ManagerUnderLoadIT (its exhaustion test), ModelBasedIT,"
            + " StressIT"),
    CONTRACTS(
        "contracts",
        "the architecture rules, the BOM's list of modules, the system on the module path, and"
            + " the strategy and collector contracts run on plugins from outside their modules",
        "ArchitectureIT, BomIT, ModulePathIT, TracingCollectorContractIT,"
            + " WorstFitStrategyContractIT");

    final String tag;
    final String summary;
    final String classes;

    Category(String tag, String summary, String classes) {
      this.tag = tag;
      this.summary = summary;
      this.classes = classes;
    }
  }

  static final List<String> CATEGORIES = Arrays.stream(Category.values()).map(c -> c.tag).toList();

  /**
   * The tag of the command's own end-to-end test, which {@code omega test} leaves out: it runs
   * {@code omega test} itself.
   */
  static final String NOT_RUN_TAG = "cli";

  /**
   * The help's closing section: each category with what it checks and the test classes that carry
   * its tag, then what {@code omega test} leaves out. Picocli formats a footer, so {@code %n} ends
   * a line.
   */
  static String categoryHelp() {
    Help.TextTable table =
        Help.TextTable.forColumns(
            Help.defaultColorScheme(Help.Ansi.OFF),
            new Help.Column(26, 2, Help.Column.Overflow.SPAN),
            new Help.Column(54, 0, Help.Column.Overflow.WRAP));
    for (Category c : Category.values()) {
      table.addRowValues(c.tag, c.summary + ": " + c.classes);
    }
    return ("%nCategories, by JUnit tag (mvn verify -Dgroups=NAME runs the same tests):%n"
        + table.toString().replace(System.lineSeparator(), "%n")
        + "Not run by omega test: OmegaCommandIT (tag "
        + NOT_RUN_TAG
        + "), which runs the omega jar,%nomega test included; mvn verify runs it.");
  }

  @Option(
      names = "--suite",
      defaultValue = "memory_management",
      description = "The suite to run; memory_management is the one there is.")
  String suite;

  @Option(
      names = "--category",
      paramLabel = "NAME",
      description =
          "One category: basic_allocation, concurrent_access, memory_leak_detection,"
              + " performance_benchmarks, stress_tests or contracts (default: all six; see"
              + " below).")
  String category;

  @Option(
      names = "--monitor-performance",
      description = "Also print the slowest tests, memory used and operations per second.")
  boolean monitorPerformance;

  @Option(names = "--stress-test", description = "Run the long (stress) versions of the tests.")
  boolean stress;

  @Option(
      names = "--format",
      defaultValue = "text",
      description =
          "text or json (default: ${DEFAULT-VALUE}); json prints progress on stderr and one"
              + " document on stdout with the keys suite, category, stress, ok, planned, passed,"
              + " failed, skipped, seconds, summary (the suite's figures) and tests (each one's"
              + " name, status, seconds and message).")
  MemoryCommand.Format format;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!suite.equals("memory_management")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--suite must be memory_management, got " + suite);
    }
    if (category != null && !CATEGORIES.contains(category)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--category must be one of " + CATEGORIES + ", got " + category);
    }
    Path suiteDir = suiteDirectory();
    Path classpathFile = suiteDir.resolve("suite.classpath");
    Path testClasses = suiteDir.resolve("test-classes");
    if (!Files.isRegularFile(classpathFile) || !Files.isDirectory(testClasses)) {
      err.println(
          "the test suite is not built ("
              + classpathFile
              + " is missing): run ./omega test, which builds it, or mvn -B -DskipTests package");
      err.flush();
      return 1;
    }
    String classpath =
        testClasses
            + java.io.File.pathSeparator
            + Files.readString(classpathFile, StandardCharsets.UTF_8).strip();
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(classpath);
    command.add("dev.omega.mem.it.SuiteMain");
    if (category != null) {
      command.add("--category");
      command.add(category);
    }
    if (stress) {
      command.add("--stress");
    }
    if (monitorPerformance) {
      command.add("--monitor-performance");
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(suiteDir.getParent().toFile());
    if (format == MemoryCommand.Format.TEXT) {
      return builder.inheritIO().start().waitFor() == 0 ? 0 : 1;
    }
    Path results = Files.createTempFile("omega-test", ".properties");
    try {
      command.add("--results");
      command.add(results.toString());
      builder.command(command).redirectError(ProcessBuilder.Redirect.INHERIT);
      Process process = builder.start();
      try (BufferedReader progress =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = progress.readLine()) != null; ) {
          err.println(line);
          err.flush();
        }
      }
      int exit = process.waitFor() == 0 ? 0 : 1;
      if (Files.size(results) == 0) {
        err.println("the suite wrote no results; see the output above");
        err.flush();
        return 1;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(JsonWriter.pretty(toJson(results, exit)));
      out.flush();
      return exit;
    } finally {
      Files.deleteIfExists(results);
    }
  }

  /** The suite's results file as the JSON document: run, counts, figures, then each test. */
  private Map<String, Object> toJson(Path file, int exit) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", suite);
    json.put("category", p.getProperty("category"));
    json.put("stress", Boolean.parseBoolean(p.getProperty("stress")));
    json.put("ok", exit == 0);
    json.put("planned", Long.parseLong(p.getProperty("planned", "0")));
    json.put("passed", Long.parseLong(p.getProperty("passed", "0")));
    json.put("failed", Long.parseLong(p.getProperty("failed", "0")));
    json.put("skipped", Long.parseLong(p.getProperty("skipped", "0")));
    json.put("seconds", Double.parseDouble(p.getProperty("seconds", "0")));
    Map<String, Object> figures = new LinkedHashMap<>();
    for (String name : p.getProperty("figures", "").split(",")) {
      if (!name.isEmpty()) {
        figures.put(name, Long.parseLong(p.getProperty("figure." + name, "0")));
      }
    }
    json.put("summary", figures);
    List<Object> tests = new ArrayList<>();
    int count = Integer.parseInt(p.getProperty("tests", "0"));
    for (int i = 0; i < count; i++) {
      Map<String, Object> test = new LinkedHashMap<>();
      test.put("name", p.getProperty("test." + i + ".name"));
      test.put("status", p.getProperty("test." + i + ".status"));
      test.put("seconds", Double.parseDouble(p.getProperty("test." + i + ".seconds", "0")));
      String message = p.getProperty("test." + i + ".message", "");
      if (!message.isEmpty()) {
        test.put("message", message);
      }
      tests.add(test);
    }
    json.put("tests", tests);
    return json;
  }

  /** {@code -Domega.suite.dir}, else {@code omega-mem-it/target} beside the jar's module. */
  private static Path suiteDirectory() throws URISyntaxException {
    String configured = System.getProperty("omega.suite.dir");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath();
    }
    Path jar =
        Path.of(TestCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    // omega-mem-cli/target/omega.jar (or target/classes in a build) -> the repository root.
    Path root = jar.getParent().getParent().getParent();
    return root.resolve("omega-mem-it").resolve("target");
  }
}
