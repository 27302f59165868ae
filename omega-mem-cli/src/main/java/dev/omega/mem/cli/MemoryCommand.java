package dev.omega.mem.cli;

import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.api.OmegaMemoryException;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.PoolStatistics;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.monitor.PerformanceReport;
import dev.omega.mem.json.JsonWriter;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.runtime.OmegaMemoryConfigLoader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code omega memory --status | --report | --diagnose | --monitor}: builds an embedded system from
 * {@code --config} (or the defaults), drives it with a built-in workload, and prints what memory
 * did; or, with {@code --attach URL}, asks a running application's dashboard instead.
 */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a workload on an embedded Omega Memory and reports on it.",
      "Exit codes: 0 all well, 1 problems found, 2 usage error or no answer from --attach."
    })
final class MemoryCommand implements Callable<Integer> {

  static final class Action {
    @Option(
        names = "--status",
        required = true,
        description = "One-screen summary: usage, fragmentation, collector.")
    boolean status;

    @Option(
        names = "--report",
        required = true,
        description = "Full report: pool, size classes, collector, throughput.")
    boolean report;

    @Option(
        names = "--diagnose",
        required = true,
        description =
            "Checks leaks, collector, fragmentation and pool sizing; says what to change.")
    boolean diagnose;

    @Option(
        names = "--monitor",
        required = true,
        description = "Serves the live dashboard while the workload runs and prints its address.")
    boolean monitor;
  }

  @Option(
      names = "--attach",
      paramLabel = "URL",
      description =
          "A running application's dashboard (http://host:port/, or with the base path it is"
              + " served under); report on it instead of an embedded instance.")
  String attach;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "15",
      description =
          "How long --attach waits for the whole answer, connecting included (default:"
              + " ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(
      names = "--port",
      defaultValue = "0",
      description = "Dashboard port for --monitor; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      defaultValue = "0",
      description =
          "How long --monitor serves; 0 serves until interrupted (default: ${DEFAULT-VALUE}).")
  long durationSeconds;

  // Optional only for --workload contract, which has one output; call() asks the others for one.
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Action action;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "HOCON configuration (omega-mem.conf); defaults when absent.")
  Path config;

  @Option(
      names = "--workload",
      defaultValue = "mixed",
      description =
          "mixed (manager churn and managed-heap graphs with collections), churn, binary-trees,"
              + " cycles, or contract (seeded contract calls on a deterministic heap: needs"
              + " --deterministic, takes no action option) (default: ${DEFAULT-VALUE}).")
  String workload;

  @Option(
      names = "--deterministic",
      description =
          "Runs the managed heap in deterministic mode (deterministic = true), for --workload"
              + " contract: the same --seed prints the same lines in every run.")
  boolean deterministic;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Threads for mixed and churn (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--operations",
      defaultValue = "1000000",
      description =
          "Operations for mixed and churn, objects for cycles, tree depth for binary-trees, top-level"
              + " calls for contract (200 unless given, at most 100000); the workload runs twice,"
              + " cold then warm, except contract (default: ${DEFAULT-VALUE}).")
  long operations;

  @Option(
      names = "--seed",
      defaultValue = "42",
      converter = SeedConverter.class,
      description = "Random seed, a whole number (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--format",
      defaultValue = "text",
      description =
          "text or json (default: ${DEFAULT-VALUE}). json is one document with the keys run, pool,"
              + " manager, gc and bottlenecks; --status has only run, pool and gc, --diagnose"
              + " adds findings.")
  Format format;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  enum Format {
    TEXT,
    JSON
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (action == null && (attach != null || !ContractWorkload.NAME.equals(workload))) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "Error: Missing required argument (specify one of these): (--status | --report |"
              + " --diagnose | --monitor); only --workload contract runs without one");
    }
    if (attach != null) {
      if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
        err.println("--timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        return spec.exitCodeOnInvalidInput();
      }
      return Attach.run(attach, Duration.ofSeconds(timeoutSeconds), action, format, out, err);
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--port must be 0 (any free port) to 65535, got " + port);
    }
    if (durationSeconds < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--duration must be 0 (until interrupted) or more, got " + durationSeconds);
    }
    if (threads < 1 || threads > 1024) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--threads must be between 1 and 1024, got " + threads);
    }
    if (operations < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--operations must be positive, got " + operations);
    }
    if (ContractWorkload.NAME.equals(workload)) {
      return ContractWorkload.command(this, out, err);
    }
    if (deterministic) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--deterministic is for --workload contract (got --workload "
              + workload
              + "): the others are timed runs, mixed and churn on several threads, which a"
              + " deterministic heap refuses");
    }
    Workload chosen;
    try {
      chosen = Workload.named(workload);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    // A ConfigurationException, here or from the assembly, is reported by OmegaCommand: exit 2.
    OmegaMemoryConfig configuration =
        config == null ? OmegaMemoryConfig.defaults() : OmegaMemoryConfigLoader.load(config);
    if (action.monitor) {
      PerformanceMonitorConfig m = configuration.monitor();
      configuration =
          configuration.withMonitor(
              m.toBuilder()
                  .enableRealTimeMonitoring(true)
                  .dashboardPort(m.dashboardPort() >= 0 && port == 0 ? m.dashboardPort() : port)
                  .metricsCollectionInterval(
                      m.metricsCollectionInterval().compareTo(Duration.ofMillis(500)) > 0
                          ? Duration.ofMillis(500)
                          : m.metricsCollectionInterval())
                  .build());
      return serve(configuration, chosen, out, err);
    }
    try (OmegaMemory omega = OmegaMemory.builder().config(configuration).build()) {
      if (format == Format.TEXT) {
        err.printf(
            "running workload %s on an embedded Omega Memory (%s pool, %s, %s)...%n",
            chosen.name,
            bytes(configuration.pool().poolSize()),
            configuration.pool().allocationStrategy(),
            configuration.garbageCollector().collectionStrategy());
        err.flush();
      }
      // Twice: the first (cold) run pays for JIT compilation, class loading and cache building; the
      // second (warm) run is the one to set beside a benchmark. Both are reported.
      Workload.Result cold;
      Workload.Result result;
      try {
        cold = chosen.run(omega, threads, operations, seed);
        result = chosen.run(omega, threads, operations, seed + 1);
      } catch (OmegaMemoryException e) {
        err.println("workload " + chosen.name + " failed: " + e.getMessage());
        return 1;
      }
      result = result.after(cold);
      Map<String, Object> facts = facts(omega, chosen, cold, result);
      Optional<PerformanceReport> report =
          omega.plugins().monitors().isEmpty()
              ? Optional.empty()
              : Optional.of(omega.monitor().generateReport());
      List<String> findings = diagnose(omega, result, report);
      report.ifPresent(r -> facts.put("bottlenecks", r.bottlenecks()));
      if (action.diagnose) {
        facts.put("findings", findings);
      }
      if (format == Format.JSON) {
        out.print(JsonWriter.pretty(action.status ? status(facts) : facts));
      } else if (action.status) {
        printStatus(out, facts);
      } else if (action.report) {
        printReport(out, facts);
        report.ifPresent(
            r -> {
              out.println();
              out.print(r.toText());
            });
      } else {
        printDiagnosis(out, findings);
      }
      out.flush();
      if (result.errors() > 0) {
        err.println("workload saw " + result.errors() + " errors");
        return 1;
      }
      return action.diagnose && !findings.isEmpty() ? 1 : 0;
    }
  }

  /**
   * The run's facts. {@code run.operations}, {@code seconds} and {@code ns_per_operation} are the
   * warm run's; {@code cold} and {@code warm} give both runs; {@code errors} counts both.
   */
  private static Map<String, Object> facts(
      OmegaMemory omega, Workload workload, Workload.Result cold, Workload.Result warm) {
    Map<String, Object> facts = new LinkedHashMap<>();
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("workload", warm.workload());
    run.put("operation", workload.operation);
    run.put("threads", warm.threads());
    run.put("operations", warm.operations());
    run.put("seconds", warm.nanos() / 1e9);
    run.put("ns_per_operation", warm.nanosPerOperation());
    run.put("cold", timing(cold));
    run.put("warm", timing(warm));
    run.put("errors", warm.errors());
    facts.put("run", run);

    PoolStatistics p = omega.memoryPool().getPoolStatistics();
    Map<String, Object> pool = new LinkedHashMap<>();
    pool.put("strategy", p.strategy());
    pool.put("capacity_bytes", p.capacityBytes());
    pool.put("page_size", p.pageSize());
    pool.put("used_pages", p.usedPages());
    pool.put("free_pages", p.freePages());
    pool.put("largest_free_run_pages", p.largestFreeRunPages());
    pool.put("free_runs", p.freeRuns());
    pool.put("fragmentation", p.fragmentation());
    pool.put("compactions", p.compactions());
    facts.put("pool", pool);

    facts.put("manager", omega.memoryManager().getStatistics().asFacts());

    if (!omega.plugins().heaps().isEmpty()) {
      CollectionStatistics c = omega.garbageCollector().getCollectionStatistics();
      Map<String, Object> gc = new LinkedHashMap<>();
      gc.put("collector", c.collector());
      gc.put("running_in_background", omega.garbageCollector().isCollectionCycleRunning());
      gc.put("collections_per_generation", c.collectionsPerGeneration());
      gc.put("objects_freed", c.objectsFreed());
      gc.put("bytes_freed", c.bytesFreed());
      gc.put("objects_promoted", c.objectsPromoted());
      gc.put("cycles_found", c.cyclesFound());
      gc.put("live_objects", omega.heap().objectCount());
      gc.put("pause_count", c.pauses().count());
      gc.put("pause_max_ms", c.pauses().maxNanos() / 1e6);
      gc.put("pause_p99_ms", c.pauses().p99Nanos() / 1e6);
      facts.put("gc", gc);
    }
    return facts;
  }

  private static Map<String, Object> timing(Workload.Result r) {
    Map<String, Object> timing = new LinkedHashMap<>();
    timing.put("operations", r.operations());
    timing.put("seconds", r.nanos() / 1e9);
    timing.put("ns_per_operation", r.nanosPerOperation());
    return timing;
  }

  private static Map<String, Object> status(Map<String, Object> facts) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("run", facts.get("run"));
    status.put("pool", facts.get("pool"));
    if (facts.containsKey("gc")) {
      status.put("gc", facts.get("gc"));
    }
    return status;
  }

  /**
   * The monitor's findings (the troubleshooting guide's checks, see the monitor's Diagnosis), plus
   * the one check only the command can make: a churn workload frees everything it allocates, so a
   * live block afterwards is a leak.
   */
  private static List<String> diagnose(
      OmegaMemory omega, Workload.Result result, Optional<PerformanceReport> report) {
    List<String> findings = new ArrayList<>();
    MemoryStatistics s = omega.memoryManager().getStatistics();
    if (s.liveBlocks() > 0 && result.workload().equals("churn")) {
      // Only churn frees everything: mixed leaves the heap's own blocks, which are not leaks.
      findings.add(
          s.liveBlocks()
              + " blocks are still allocated after the workload freed everything: a leak."
              + " Set leak_detection = SAMPLED to find the allocation site.");
    }
    report.ifPresent(r -> findings.addAll(r.bottlenecks()));
    return findings;
  }

  /** {@code --monitor}: the workload in a loop behind the dashboard until the duration ends. */
  private Integer serve(
      OmegaMemoryConfig configuration, Workload chosen, PrintWriter out, PrintWriter err)
      throws InterruptedException {
    try (OmegaMemory omega = OmegaMemory.builder().config(configuration).build()) {
      URI address = omega.dashboardAddress().orElseThrow();
      out.println("dashboard: " + address);
      out.println("metrics:   " + address.resolve("/metrics"));
      out.println(
          durationSeconds == 0
              ? "serving until interrupted (Ctrl-C)"
              : "serving for " + durationSeconds + " s");
      out.flush();
      AtomicLong rounds = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      Thread driver =
          Thread.ofPlatform()
              .daemon()
              .name("omega-workload")
              .start(
                  () -> {
                    long round = 0;
                    while (!Thread.currentThread().isInterrupted()) {
                      try {
                        Workload.Result r =
                            chosen.run(
                                omega, threads, Math.min(operations, 200_000), seed + round++);
                        errors.addAndGet(r.errors());
                        rounds.incrementAndGet();
                      } catch (InterruptedException e) {
                        return;
                      } catch (RuntimeException e) {
                        errors.incrementAndGet();
                        err.println("workload round failed: " + e);
                      }
                    }
                  });
      if (durationSeconds == 0) {
        driver.join();
      } else {
        Thread.sleep(Duration.ofSeconds(durationSeconds));
        driver.interrupt();
        driver.join(Duration.ofSeconds(30));
      }
      out.println("served " + rounds.get() + " workload rounds, " + errors.get() + " errors");
      out.flush();
      return errors.get() > 0 ? 1 : 0;
    }
  }

  private static void printStatus(PrintWriter out, Map<String, Object> facts) {
    Map<?, ?> run = (Map<?, ?>) facts.get("run");
    Map<?, ?> pool = (Map<?, ?>) facts.get("pool");
    Map<?, ?> cold = (Map<?, ?>) run.get("cold");
    out.printf(
        Locale.ROOT,
        "workload     %s: %,d operations on %s threads, warm %.1f ns/op (cold %.1f ns/op, the"
            + " first run), %s errors%n",
        run.get("workload"),
        run.get("operations"),
        run.get("threads"),
        run.get("ns_per_operation"),
        cold.get("ns_per_operation"),
        run.get("errors"));
    out.printf(Locale.ROOT, "operation    %s%n", run.get("operation"));
    out.printf(
        Locale.ROOT,
        "pool         %s, %s, %d of %d pages used, fragmentation %.3f%n",
        pool.get("strategy"),
        bytes((Long) pool.get("capacity_bytes")),
        pool.get("used_pages"),
        (Long) pool.get("used_pages") + (Long) pool.get("free_pages"),
        pool.get("fragmentation"));
    Map<?, ?> gc = (Map<?, ?>) facts.get("gc");
    if (gc != null) {
      out.printf(
          Locale.ROOT,
          "collector    %s, %s live objects, max pause %.2f ms%n",
          gc.get("collector"),
          gc.get("live_objects"),
          gc.get("pause_max_ms"));
    }
  }

  private static void printReport(PrintWriter out, Map<String, Object> facts) {
    out.println("Omega Memory report");
    out.println("===================");
    printStatus(out, facts);
    Map<?, ?> m = (Map<?, ?>) facts.get("manager");
    out.println();
    out.println("manager");
    out.printf(
        Locale.ROOT,
        "  allocations %,d, deallocations %,d, live blocks %,d%n",
        m.get("allocations"),
        m.get("deallocations"),
        m.get("live_blocks"));
    out.printf(
        Locale.ROOT,
        "  allocated %s (requested %s), peak %s%n",
        bytes((Long) m.get("allocated_bytes")),
        bytes((Long) m.get("requested_bytes")),
        bytes((Long) m.get("peak_bytes")));
    out.printf(
        Locale.ROOT,
        "  thread-cache hit rate %.1f%%%n",
        100 * (Double) m.get("thread_cache_hit_rate"));
    out.println("  failures " + m.get("failures"));
    out.println();
    out.println("  size class   slabs   live blocks   refills   failures");
    for (Object row : (List<?>) m.get("size_classes")) {
      Map<?, ?> r = (Map<?, ?>) row;
      out.printf(
          Locale.ROOT,
          "  %10d %7d %13d %9d %10d%n",
          r.get("block_size"),
          r.get("slabs"),
          r.get("live_blocks"),
          r.get("refills"),
          r.get("failures"));
    }
    Map<?, ?> gc = (Map<?, ?>) facts.get("gc");
    if (gc != null) {
      out.println();
      out.println("collector " + gc.get("collector"));
      out.println("  collections per generation " + gc.get("collections_per_generation"));
      out.printf(
          Locale.ROOT,
          "  freed %,d objects (%s), promoted %,d, cycles found %,d%n",
          gc.get("objects_freed"),
          bytes((Long) gc.get("bytes_freed")),
          gc.get("objects_promoted"),
          gc.get("cycles_found"));
      out.printf(
          Locale.ROOT,
          "  pauses %d, max %.3f ms, p99 %.3f ms%n",
          gc.get("pause_count"),
          gc.get("pause_max_ms"),
          gc.get("pause_p99_ms"));
    }
  }

  private static void printDiagnosis(PrintWriter out, List<String> findings) {
    if (findings.isEmpty()) {
      out.println("no problems found");
      return;
    }
    out.println(findings.size() + " finding(s):");
    for (String finding : findings) {
      out.println("  - " + finding);
    }
  }

  static String bytes(long n) {
    if (n >= 1L << 30 && n % (1L << 30) == 0) {
      return (n >> 30) + " GiB";
    }
    if (n >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1 << 20));
    }
    if (n >= 1L << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    return n + " B";
  }
}
