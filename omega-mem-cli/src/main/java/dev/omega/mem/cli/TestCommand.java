package dev.omega.mem.cli;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code omega test --suite memory_management [--category NAME] [--monitor-performance]
 * [--stress-test]}: runs the categorised reliability suite (the {@code omega-mem-it} tests, by the
 * same tags {@code mvn verify -Dgroups=...} selects) through the JUnit Platform launcher in a JVM
 * of its own, streaming its progress and summary. The suite's class path is the one Maven wrote to
 * {@code omega-mem-it/target/suite.classpath}; the {@code ./omega} launcher builds it when missing.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the memory-management test suite with progress and a summary.",
      "Exit codes: 0 all passed, 1 a test failed or the suite is not built, 2 usage error."
    })
final class TestCommand implements Callable<Integer> {
  static final List<String> CATEGORIES =
      List.of(
          "basic_allocation",
          "concurrent_access",
          "memory_leak_detection",
          "performance_benchmarks",
          "stress_tests");

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
              + " performance_benchmarks or stress_tests (default: all).")
  String category;

  @Option(
      names = "--monitor-performance",
      description = "Also print the slowest tests, memory used and operations per second.")
  boolean monitorPerformance;

  @Option(names = "--stress-test", description = "Run the long (stress) versions of the tests.")
  boolean stress;

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
    command.add("--sun-misc-unsafe-memory-access=allow");
    command.add("-XX:+EnableDynamicAgentLoading");
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
    Process process =
        new ProcessBuilder(command).directory(suiteDir.getParent().toFile()).inheritIO().start();
    return process.waitFor() == 0 ? 0 : 1;
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
