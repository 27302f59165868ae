package dev.omega.mem.it;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;
import static org.junit.platform.launcher.TagFilter.excludeTags;
import static org.junit.platform.launcher.TagFilter.includeTags;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestExecutionResult.Status;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the categorised suite through the JUnit Platform launcher, for {@code omega test}: the same
 * tests and tags {@code mvn verify -Dgroups=...} runs, with a line of progress per test and a
 * closing summary. Every test of this module carries one of {@link #CATEGORIES} (the five OMEGA
 * categories and {@code contracts}), except {@code OmegaCommandIT}, tagged {@code cli}, which runs
 * {@code omega test} itself and so only under {@code mvn verify}; {@code omega-mem-cli}'s {@code
 * SuiteCategoriesTest} checks both, and that {@code omega test}'s list is this one. Arguments:
 * {@code [--category NAME] [--stress] [--monitor-performance] [--results FILE]}; with {@code
 * --results} the outcome of every test and the suite's figures are also written to FILE as
 * properties, which {@code omega test --format json} turns into its output. Exit code 0 when every
 * test passed, 1 when one failed, 2 for a bad argument.
 */
public final class SuiteMain {
  static final List<String> CATEGORIES =
      List.of(
          "basic_allocation",
          "concurrent_access",
          "memory_leak_detection",
          "performance_benchmarks",
          "stress_tests",
          "contracts");

  /** The command's own end-to-end test ({@code OmegaCommandIT}): it runs {@code omega test}. */
  static final String NOT_RUN_TAG = "cli";

  private SuiteMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) {
    String category = null;
    boolean monitorPerformance = false;
    Path results = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--category" -> {
          if (i + 1 >= args.length || !CATEGORIES.contains(args[i + 1])) {
            out.println(
                "--category needs one of "
                    + CATEGORIES
                    + (i + 1 < args.length ? "; got " + args[i + 1] : ""));
            return 2;
          }
          category = args[++i];
        }
        case "--stress" -> System.setProperty("omega.stress", "true");
        case "--monitor-performance" -> monitorPerformance = true;
        case "--results" -> {
          if (i + 1 >= args.length) {
            out.println("--results needs a file");
            return 2;
          }
          results = Path.of(args[++i]);
        }
        default -> {
          out.println(
              "unknown argument "
                  + args[i]
                  + "; use --category, --stress, --monitor-performance, --results");
          return 2;
        }
      }
    }
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(selectPackage("dev.omega.mem.it"))
            .filters(
                category == null ? includeTags(CATEGORIES) : includeTags(category),
                excludeTags(NOT_RUN_TAG))
            .configurationParameter("junit.jupiter.execution.timeout.default", "5 m")
            .build();
    Launcher launcher = LauncherFactory.create();
    TestPlan plan = launcher.discover(request);
    long planned = plan.countTestIdentifiers(TestIdentifier::isTest);
    out.printf(
        Locale.ROOT,
        "omega test: suite memory_management, %s, %d tests planned%s%n",
        category == null ? "all categories" : "category " + category,
        planned,
        SuiteTally.stress() ? ", long (stress) versions" : "");
    Progress progress = new Progress(out);
    long started = System.nanoTime();
    launcher.execute(plan, progress);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    if (monitorPerformance) {
      progress.printPerformance(took);
    }
    out.printf(
        Locale.ROOT,
        "summary: %d tests, %d passed, %d failed, %d skipped in %.1f s%n",
        progress.done.get(),
        progress.passed.get(),
        progress.failed.get(),
        progress.skipped.get(),
        took.toMillis() / 1000.0);
    if (results != null) {
      try {
        writeResults(results, category, planned, progress, took);
      } catch (IOException e) {
        out.println("cannot write " + results + ": " + e.getMessage());
        return 1;
      }
    }
    return progress.failed.get() == 0 && progress.done.get() > 0 ? 0 : 1;
  }

  /** Properties: the run, one {@code test.N.*} group per test, one {@code figure.*} per figure. */
  private static void writeResults(
      Path file, String category, long planned, Progress progress, Duration took)
      throws IOException {
    Properties p = new Properties();
    p.setProperty("category", category == null ? "all" : category);
    p.setProperty("stress", Boolean.toString(SuiteTally.stress()));
    p.setProperty("planned", Long.toString(planned));
    p.setProperty("passed", Integer.toString(progress.passed.get()));
    p.setProperty("failed", Integer.toString(progress.failed.get()));
    p.setProperty("skipped", Integer.toString(progress.skipped.get()));
    p.setProperty("seconds", Double.toString(took.toMillis() / 1000.0));
    List<Outcome> outcomes = List.copyOf(progress.outcomes);
    p.setProperty("tests", Integer.toString(outcomes.size()));
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      p.setProperty("test." + i + ".name", o.name());
      p.setProperty("test." + i + ".status", o.status());
      p.setProperty("test." + i + ".seconds", Double.toString(o.nanos() / 1e9));
      p.setProperty("test." + i + ".message", o.message());
    }
    Map<String, Long> figures = SuiteTally.figures();
    p.setProperty("figures", String.join(",", figures.keySet()));
    figures.forEach((k, v) -> p.setProperty("figure." + k, Long.toString(v)));
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(w, "omega test results");
    }
  }

  /** One finished test: PASS, FAIL or SKIP, its time, and the failure or skip reason. */
  record Outcome(String name, String status, long nanos, String message) {}

  /** One line per finished test; timings kept for --monitor-performance. */
  static final class Progress implements TestExecutionListener {
    final PrintStream out;
    final AtomicInteger done = new AtomicInteger();
    final AtomicInteger passed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger skipped = new AtomicInteger();
    final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    final Map<String, Long> nanos = new ConcurrentHashMap<>();
    final Map<String, String> names = new ConcurrentHashMap<>();
    final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

    Progress(PrintStream out) {
      this.out = out;
    }

    @Override
    public void executionStarted(TestIdentifier id) {
      if (id.isTest()) {
        startedAt.put(id.getUniqueId(), System.nanoTime());
      }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      if (id.isTest()) {
        done.incrementAndGet();
        skipped.incrementAndGet();
        out.printf(Locale.ROOT, "[%3d] SKIP %s (%s)%n", done.get(), name(id), reason);
        outcomes.add(new Outcome(name(id), "SKIP", 0, reason));
      }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
      if (!id.isTest()) {
        return;
      }
      long took = System.nanoTime() - startedAt.getOrDefault(id.getUniqueId(), System.nanoTime());
      nanos.put(id.getUniqueId(), took);
      names.put(id.getUniqueId(), name(id));
      int n = done.incrementAndGet();
      boolean ok = result.getStatus() == Status.SUCCESSFUL;
      (ok ? passed : failed).incrementAndGet();
      outcomes.add(
          new Outcome(
              name(id),
              ok ? "PASS" : "FAIL",
              took,
              result.getThrowable().filter(t -> !ok).map(Throwable::toString).orElse("")));
      out.printf(
          Locale.ROOT, "[%3d] %s %s (%.2f s)%n", n, ok ? "PASS" : "FAIL", name(id), took / 1e9);
      result
          .getThrowable()
          .filter(t -> !ok)
          .ifPresent(t -> out.println("      " + t.toString().replace("\n", "\n      ")));
      out.flush();
    }

    private static String name(TestIdentifier id) {
      String source =
          id.getSource()
              .map(Object::toString)
              .orElse("")
              .replaceAll(".*className = '([^']*)'.*", "$1");
      String simple = source.substring(source.lastIndexOf('.') + 1);
      return (simple.isEmpty() ? "" : simple + " › ") + id.getDisplayName();
    }

    void printPerformance(Duration total) {
      out.println("performance: slowest tests");
      List<Map.Entry<String, Long>> slowest = new ArrayList<>(nanos.entrySet());
      slowest.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
      for (Map.Entry<String, Long> e : slowest.subList(0, Math.min(5, slowest.size()))) {
        out.printf(Locale.ROOT, "  %8.2f s  %s%n", e.getValue() / 1e9, names.get(e.getKey()));
      }
      Runtime rt = Runtime.getRuntime();
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("wall", String.format(Locale.ROOT, "%.1f s", total.toMillis() / 1000.0));
      figures.put("java heap used", (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB");
      figures.put("cpus", rt.availableProcessors());
      figures.put(
          "operations per second",
          String.format(
              Locale.ROOT,
              "%,.0f",
              SuiteTally.OPERATIONS.sum() / Math.max(0.001, total.toMillis() / 1000.0)));
      out.println("performance: " + figures);
    }
  }
}
