package dev.omega.mem.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark with its peers in one run and prints ns/op and the ratio of Omega Memory to
 * each peer (below 1.0: Omega is faster). {@code quick} (default) uses short iterations for a first
 * look; {@code full} uses the annotated ones. Sections can be picked: {@code BenchMain quick alloc
 * churn memory monitor gc snapshot startup close}.
 */
public final class BenchMain {
  private BenchMain() {}

  static final List<String> SECTIONS =
      List.of("alloc", "churn", "memory", "monitor", "gc", "snapshot", "startup", "close");

  public static void main(String[] args) throws RunnerException, InterruptedException {
    boolean full = args.length > 0 && args[0].equals("full");
    List<String> sections = args.length > 1 ? List.of(args).subList(1, args.length) : SECTIONS;
    List<String> unknown = sections.stream().filter(s -> !SECTIONS.contains(s)).toList();
    if (!unknown.isEmpty()) {
      System.err.println("Unknown section(s) " + unknown + ", known sections " + SECTIONS);
      System.exit(2);
    }
    System.out.printf(
        "# Omega Memory benchmarks (%s), Java %s, %d CPUs, %s%n",
        full ? "full" : "quick",
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    System.out.println("# " + BenchSystems.leakDetection());
    // The collector and any other flag passed in JAVA_TOOL_OPTIONS reach every JVM of the run,
    // the JMH forks and the binary-trees JVMs too: how a run under another collector is made.
    System.out.println(
        "# JVM collector "
            + jvmCollector()
            + "; JMH forks "
            + String.join(" ", FORK_HEAP)
            + "; JAVA_TOOL_OPTIONS "
            + Optional.ofNullable(System.getenv("JAVA_TOOL_OPTIONS"))
                .filter(value -> !value.isBlank())
                .orElse("not set"));
    if (sections.contains("alloc")) {
      allocateFree(full);
    }
    if (sections.contains("churn")) {
      churn(full);
    }
    if (sections.contains("memory")) {
      memory(full);
    }
    if (sections.contains("monitor")) {
      monitorOverhead(full);
    }
    if (sections.contains("gc")) {
      collectors(full);
    }
    if (sections.contains("snapshot")) {
      SnapshotFigures.print(1_000_000, CollectorFigures.COLLECTORS, full ? 2 : 1, full ? 5 : 3);
    }
    if (sections.contains("startup")) {
      startup(full);
    }
    if (sections.contains("close")) {
      sharedArenaClose(full);
    }
  }

  private static void startup(boolean full) {
    int warmups = full ? 3 : 2;
    int runs = full ? 9 : 5;
    System.out.println();
    System.out.printf(
        "## building a system: median (range) of %d builds after %d more, each closed before the"
            + " next; resident = growth of resident memory while it is open (median)%n",
        runs, warmups);
    StartupFigures.whyNoDirectMemory()
        .ifPresent(why -> System.out.println("no direct pool memory in this JVM: " + why));
    MemoryPerBlock.whyNoNativeFigure()
        .ifPresent(why -> System.out.println("resident figures not measured: " + why));
    System.out.printf(
        "%-58s %s%n",
        "OmegaMemory.create(), direct pool memory",
        StartupFigures.create(true, warmups, runs).describe());
    System.out.printf(
        "%-58s %s%n",
        "OmegaMemory.create(), checked (" + StartupFigures.DIRECT_ACCESS + "=false)",
        StartupFigures.create(false, warmups, runs).describe());
    long small = 100 * StartupFigures.MIB;
    long large = 1024 * StartupFigures.MIB;
    StartupFigures.Build smallBuild = StartupFigures.preTouched(small, warmups, runs);
    StartupFigures.Build largeBuild = StartupFigures.preTouched(large, warmups, runs);
    System.out.printf("%-58s %s%n", "100 MiB pool, pre_touch = true", smallBuild.describe());
    System.out.printf("%-58s %s%n", "1024 MiB pool, pre_touch = true", largeBuild.describe());
    System.out.printf(
        Locale.ROOT,
        "pre_touch: %.3f ms per MiB (the 1024 MiB build less the 100 MiB one, over the 924 MiB"
            + " between)%n",
        (largeBuild.millis() - smallBuild.millis()) / ((large - small) / StartupFigures.MIB));
  }

  private static void sharedArenaClose(boolean full) throws InterruptedException {
    int warmups = full ? 3 : 2;
    int runs = full ? 9 : 5;
    System.out.println();
    System.out.printf(
        "## Arena.close() of a shared arena while threads read its memory (the JDK's handshake,"
            + " which the pool's grace period replaces), ms: the first, then the median (range) of"
            + " %d after %d more%n",
        runs, warmups);
    for (int threads : new int[] {1, 16}) {
      System.out.printf(
          Locale.ROOT,
          "%-22s %s%n",
          threads + " reading thread(s)",
          SharedArenaClose.closeMillis(threads, warmups, runs).describe());
    }
  }

  private static void monitorOverhead(boolean full) {
    System.out.println("# running MonitorOverhead (paired phases on one system per layout) ...");
    int systems = full ? 6 : 3;
    long seed = Long.getLong("omega.bench.monitorSeed", System.nanoTime());
    MonitorOverhead.Figure f =
        MonitorOverhead.measure(systems, full ? 10 : 5, Duration.ofMillis(full ? 300 : 200), seed);
    System.out.println();
    System.out.println("## monitoring overhead, churn 16..271 B, 1 thread");
    System.out.printf(
        Locale.ROOT,
        "monitor stopped: %.1f ns/op (median phase); %d rounds over %d heap layouts%n",
        f.offNanos(),
        f.rounds(),
        systems);
    System.out.printf(
        "phases in a random order each round, seed %d (-Domega.bench.monitorSeed=%d repeats the"
            + " orders); the stopped phase ran first in %d of %d rounds%n",
        f.seed(), f.seed(), f.stoppedFirst(), f.rounds());
    System.out.printf(
        Locale.ROOT,
        "empty listener only / stopped: %.3f (median of the rounds)%n",
        f.listenerRatio());
    System.out.printf(
        Locale.ROOT,
        "monitor running (100 ms samples) / stopped: %.3f (median; rounds ranged %.3f..%.3f)"
            + " (target <= 1.05)%n",
        f.onRatio(),
        f.lowOnRatio(),
        f.highOnRatio());
  }

  /**
   * The JMH forks' heap flags, not the launcher's, which JMH would pass on: the launcher's -Xms4g
   * (for the collector figures, which run in the launcher) made the forks' eden gigabytes of
   * untouched pages, and allocating into it page-faulted through the whole measurement. A growing
   * heap (-Xmx alone) still faults in each region G1 adds, for every contender that allocates on
   * the Java heap (Omega's handles, Netty's buffers, new byte[]) and not for malloc. A fixed heap
   * touched at start up is the steady state of a long-running program, as malloc's warm native heap
   * is.
   */
  static final List<String> FORK_HEAP = List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch");

  /**
   * Forks for the allocation and churn figures: each fork starts on a shifted heap layout ({@link
   * HeapLayout}), and the figure is the median over all forks' iterations, so that no one lucky or
   * unlucky placement of the allocator's objects decides it.
   */
  static int layouts(boolean full) {
    return full ? 4 : 3;
  }

  private static ChainedOptionsBuilder options(String benchmark, boolean full) {
    ChainedOptionsBuilder o =
        new OptionsBuilder()
            .include(benchmark)
            .jvmArgs(FORK_HEAP.toArray(String[]::new))
            .shouldDoGC(false)
            .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT);
    System.out.println("# running " + benchmark + " ...");
    if (!full) {
      o.warmupIterations(2)
          .warmupTime(TimeValue.milliseconds(500))
          .measurementIterations(3)
          .measurementTime(TimeValue.milliseconds(500));
    }
    return o;
  }

  /**
   * Median ns/op of the iterations, by benchmark method and first parameter value (or "" when
   * none).
   */
  private static Map<String, Double> scores(Collection<RunResult> results) {
    Map<String, Double> scores = new LinkedHashMap<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      // Each benchmark has at most one parameter (size, poolMemory).
      String param =
          r.getParams().getParamsKeys().stream()
              .map(key -> "@" + r.getParams().getParam(key))
              .findFirst()
              .orElse("");
      // The median iteration, as for the monitoring figure: one slowed iteration moves a mean of
      // five, and the ratio with it, far more than the median. JMH pools the iterations of all
      // forks, so with several forks it is a median over heap layouts too.
      scores.put(method + param, r.getPrimaryResult().getStatistics().getPercentile(50));
    }
    return scores;
  }

  private static void table(
      String title, Map<String, Double> scores, String omegaKey, List<String> peers) {
    System.out.println();
    System.out.println("## " + title);
    System.out.printf("%-28s %14s %20s%n", "contender", "ns/op (median)", "omega / contender");
    Double omega = scores.get(omegaKey);
    System.out.printf(Locale.ROOT, "%-28s %14.1f %20s%n", omegaKey, omega, "1.00");
    for (String peer : peers) {
      Double score = scores.get(peer);
      if (score != null) {
        System.out.printf(Locale.ROOT, "%-28s %14.1f %20.2f%n", peer, score, omega / score);
      }
    }
  }

  private static void allocateFree(boolean full) throws RunnerException {
    Collection<RunResult> results =
        new Runner(
                options(AllocateFreeBenchmark.class.getSimpleName(), full)
                    .forks(layouts(full))
                    .build())
            .run();
    Map<String, Double> s = scores(results);
    for (String size : List.of("64", "4096")) {
      table(
          "allocate + write/read 8 B + free, " + size + " B, 1 thread",
          s,
          "omegaChecked@" + size,
          List.of(
              "mallocFfm@" + size,
              "mallocRawCritical@" + size,
              "nettyPooledDirect@" + size,
              "arenaConfined@" + size,
              "jvmHeap@" + size));
      table(
          "the same, split: allocate + free with no access, " + size + " B",
          s,
          "omegaNoAccess@" + size,
          List.of("mallocFfmNoAccess@" + size));
    }
    Map<String, Double> direct =
        scores(
            new Runner(
                    options(DirectAccessBenchmark.class.getSimpleName(), full)
                        .forks(layouts(full))
                        .build())
                .run());
    table(
        "Omega's checked pair, 64 B, on direct pool memory and on checked memory (a shared"
            + " arena's segment, -D"
            + StartupFigures.DIRECT_ACCESS
            + "=false), forks of their own",
        direct,
        "omegaChecked@direct",
        List.of("omegaChecked@checked"));
    System.out.printf(
        Locale.ROOT,
        "direct memory saves %.1f ns per pair%n",
        direct.get("omegaChecked@checked") - direct.get("omegaChecked@direct"));
  }

  private static void churn(boolean full) throws RunnerException {
    Map<Integer, Map<String, Double>> byThreads = new LinkedHashMap<>();
    for (int threads : new int[] {1, 2}) {
      Collection<RunResult> results =
          new Runner(
                  options(ChurnBenchmark.class.getSimpleName(), full)
                      .forks(layouts(full))
                      .threads(threads)
                      .build())
              .run();
      byThreads.put(threads, scores(results));
      table(
          "larson churn 16..1024 B, 1024 live slots per thread, "
              + threads
              + " thread(s) (ns per op per thread)",
          byThreads.get(threads),
          "omegaChecked",
          List.of("mallocRawCritical", "mallocRawHoldingObject", "mallocFfm", "nettyPooledDirect"));
    }
    // 256 threads on a few cores: only Omega's own scaling is the target, so only Omega runs, in
    // a plain loop (see ManyThreads for why not JMH), alternating 2 and 256 threads three times.
    long millis = full ? 3000 : 1000;
    double[] two = new double[3];
    double[] many = new double[3];
    try {
      for (int round = 0; round < 3; round++) {
        two[round] = ManyThreads.opsPerSecond(2, millis);
        many[round] = ManyThreads.opsPerSecond(256, millis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Arrays.sort(two);
    Arrays.sort(many);
    System.out.printf(
        Locale.ROOT,
        "%n256 threads: %.1f M ops/s in all vs %.1f M ops/s with 2 threads (medians of 3 runs of"
            + " %d ms; 256-thread runs ranged %.1f..%.1f): %.2f of the 2-thread throughput"
            + " (target >= 0.5)%n",
        many[1] / 1e6,
        two[1] / 1e6,
        millis,
        many[0] / 1e6,
        many[2] / 1e6,
        many[1] / two[1]);
  }

  private static void memory(boolean full) {
    int blocks = 1_000_000;
    System.out.println();
    System.out.println(
        "## memory beyond "
            + MemoryPerBlock.PAYLOAD
            + " B of payload, "
            + blocks
            + " live blocks, each written, measured alike for every contender");
    System.out.println(
        "Java heap: used heap after System.gc() before and after the allocation, the array that"
            + " holds the handles included for every contender");
    System.out.println(
        "native: growth of resident memory (VmRSS) less the payload"
            + MemoryPerBlock.whyNoNativeFigure().map(why -> "; not measured: " + why).orElse(""));
    System.out.printf(
        "%-30s %22s %26s%n",
        "contender", "Java heap B/block", "native B/block beyond " + MemoryPerBlock.PAYLOAD);
    MemoryPerBlock.measure(blocks)
        .forEach(
            (name, f) ->
                System.out.printf(
                    Locale.ROOT,
                    "%-30s %22.1f %26s%n",
                    name,
                    f.heapBytesPerBlock(),
                    Double.isNaN(f.nativeBytesBeyondPayload())
                        ? "-"
                        : String.format(Locale.ROOT, "%.1f", f.nativeBytesBeyondPayload())));
  }

  private static void collectors(boolean full) throws RunnerException {
    Map<String, Double> mutator =
        scores(new Runner(options(HeapRefsBenchmark.class.getSimpleName(), full).build()).run());
    table(
        "managed heap through HeapRefs ids (generational, background cycle, inside a scope):"
            + " allocate a 2-slot object",
        mutator,
        "allocate",
        List.of("jvmNew"));
    table("read a reference slot", mutator, "get", List.of("jvmGet"));
    table(
        "write a reference slot (young to young, generational barrier)",
        mutator,
        "set",
        List.of("jvmSet"));
    try {
      HeapMutatorScaling.print(full ? 3000 : 1500, CollectorFigures.COLLECTORS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted measuring mutator scaling", e);
    }
    int warmups = full ? 3 : 2;
    int runs = full ? 5 : 3;
    System.out.println();
    System.out.printf(
        "## full collection of 1,000,000 objects of cyclic garbage (rings of %d), ms: the JVM's"
            + " first, then the median (range) of %d after %d more%n",
        CollectorFigures.RING, runs, warmups);
    for (String collector : CollectorFigures.COLLECTORS) {
      System.out.printf(
          Locale.ROOT,
          "%-22s %s%n",
          collector,
          CollectorFigures.fullCollectionOfCycles(collector, 1_000_000, warmups, runs).describe());
    }
    System.out.println();
    System.out.println(
        "## young collection, 700,000 garbage (rings of "
            + CollectorFigures.RING
            + ") while 1,000,000 live (a chain from one root) in old generations (generational),"
            + " ms: "
            + CollectorFigures.youngCollection(1_000_000, 700_000, warmups, runs).describe());
    // One warm-up: a run of depth 16 or more allocates millions of objects, long past the JIT's
    // compiling; every further run at depth 20 adds minutes per contender.
    binaryTrees(full ? 20 : 16, 1, 3);
  }

  /** Every contender in a JVM of its own, cold and warm alike (see {@link BinaryTrees}). */
  private static void binaryTrees(int depth, int warmups, int runs) {
    Duration maxPause = Duration.ofMillis(5);
    System.out.println();
    System.out.printf(
        "## binary-trees depth %d, trees checked, each contender in a fresh JVM; Omega's"
            + " collectors in the background, max_pause_time %d ms%n",
        depth, maxPause.toMillis());
    System.out.printf(
        "cold = the JVM's first run, warm = medians of %d runs after %d warm-up run(s); JVM heap"
            + " pauses as its collector notifies them, in whole ms%n",
        runs, warmups);
    List<String> contenders = new ArrayList<>();
    for (String collector : CollectorFigures.COLLECTORS) {
      contenders.add(collector);
      contenders.add(collector + BinaryTrees.REFS);
    }
    contenders.add(BinaryTrees.JVM_HEAP);
    Map<String, BinaryTrees.Figures> figures = new LinkedHashMap<>();
    for (String contender : contenders) {
      figures.put(contender, BinaryTrees.inFreshJvm(contender, depth, maxPause, warmups, runs));
    }
    System.out.println("every run of every contender printed these check lines:");
    BinaryTrees.expectedChecks(depth).forEach(System.out::println);
    System.out.printf(
        "%-22s %5s %10s %14s %14s %8s%n",
        "contender", "run", "wall ms", "max pause ms", "p99 pause ms", "pauses");
    figures.forEach(
        (contender, f) -> {
          String name =
              contender.equals(BinaryTrees.JVM_HEAP)
                  ? "JVM heap (" + jvmCollector() + ")"
                  : contender;
          for (var row : List.of(Map.entry("cold", f.cold()), Map.entry("warm", f.warm()))) {
            BinaryTrees.Run r = row.getValue();
            System.out.printf(
                Locale.ROOT,
                "%-22s %5s %10.0f %14.2f %14.2f %8d%n",
                name,
                row.getKey(),
                r.wallMillis(),
                r.maxPauseMillis(),
                r.p99PauseMillis(),
                r.pauses());
          }
        });
  }

  /** The JVM's collector, by the HotSpot flag that chose it ("G1", "Parallel", ...). */
  static String jvmCollector() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    for (String name : List.of("G1", "Parallel", "Serial", "Z", "Shenandoah", "Epsilon")) {
      try {
        if (Boolean.parseBoolean(vm.getVMOption("Use" + name + "GC").getValue())) {
          return name.equals("Z") ? "ZGC" : name;
        }
      } catch (IllegalArgumentException e) {
        // a collector this JVM was built without
      }
    }
    return "unknown collector";
  }
}
