package dev.omega.mem.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The binary-trees program of the Computer Language Benchmarks Game, run the same way for every
 * contender: Omega's managed heap under each collector, and the JVM's own heap ({@code
 * cpython-gc.py} runs it in CPython).
 *
 * <p>Design note. The program, for a depth N (at least 6): a stretch tree of depth N + 1 is built
 * and checked; one long-lived tree of depth N is built; for d = 4, 6, ..., N, 2^(N - d + 4) trees
 * of depth d are each built and checked; then the long-lived tree is checked. To check a tree is to
 * walk it and count its nodes, so every contender reads back every node it wrote. The program
 * prints the Benchmarks Game's check lines, and each run's lines are compared with the node counts
 * the shapes must have, so a contender that skipped work would fail rather than win.
 *
 * <p>Cold and warm. Each contender runs in a JVM of its own ({@link #inFreshJvm}), whose first run
 * is the cold figure: run in one JVM after another contender, it would find compiled the code the
 * contenders share (the managed heap, the scopes, the JDK's collections), and the order of the
 * contenders would decide who pays for the JIT. The same JVM then runs the warm-up runs and the
 * measured ones, whose medians are the warm figure. Before each run the JVM's own heap is collected
 * ({@code System.gc()}), for every contender alike, so no run starts with the garbage of the last.
 *
 * <p>Pauses. Omega's collectors report each pause to their {@link CollectionStatistics}; the JVM's
 * collector reports its pauses as {@link GarbageCollectionNotificationInfo} notifications, whose
 * durations are in whole milliseconds. The p99 of both is the nearest-rank percentile over the
 * run's pauses, as Omega's {@code PauseRecorder} computes it.
 *
 * <p>Not thread-safe: one program thread (Omega's background collector runs beside it).
 */
final class BinaryTrees {
  private BinaryTrees() {}

  static final int MIN_DEPTH = 4;

  /** The contender that builds the trees on the JVM's heap, as {@link #inFreshJvm} names it. */
  static final String JVM_HEAP = "jvm-heap";

  /**
   * Appended to a collector's name, the contender that writes the program against {@link HeapRefs}
   * ids instead of {@link HeapObject} handles.
   */
  static final String REFS = "/refs";

  /**
   * One run of the program.
   *
   * @param wallMillis wall time of the whole program
   * @param maxPauseMillis longest collection pause during the run
   * @param p99PauseMillis 99th-percentile pause (nearest rank)
   * @param pauses pauses during the run
   */
  record Run(double wallMillis, double maxPauseMillis, double p99PauseMillis, long pauses) {
    String encode() {
      return String.format(
          Locale.ROOT, "run %.3f %.3f %.3f %d", wallMillis, maxPauseMillis, p99PauseMillis, pauses);
    }

    static Run decode(String line) {
      String[] f = line.split(" ");
      return new Run(
          Double.parseDouble(f[1]),
          Double.parseDouble(f[2]),
          Double.parseDouble(f[3]),
          Long.parseLong(f[4]));
    }
  }

  /**
   * A contender's figures.
   *
   * @param cold the first run in a fresh JVM
   * @param warm the medians, figure by figure, of the measured runs after the warm-ups
   * @param checks the check lines of the cold run (every run's were checked)
   */
  record Figures(Run cold, Run warm, List<String> checks) {}

  /** What the program needs of a heap; one implementation runs in a JVM. */
  private interface Trees<T> {
    T build(int depth);

    /** Walks {@code tree} and counts its nodes. */
    long check(T tree);

    /** Roots the trees built until it closes; the JVM's heap needs none. */
    Scope scope();
  }

  private interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** The program; returns its check lines. */
  private static <T> List<String> program(Trees<T> trees, int n) {
    int maxDepth = Math.max(MIN_DEPTH + 2, n);
    List<String> lines = new ArrayList<>();
    try (Scope stretch = trees.scope()) {
      long check = trees.check(trees.build(maxDepth + 1));
      lines.add(String.format("stretch tree of depth %d\t check: %d", maxDepth + 1, check));
    }
    try (Scope program = trees.scope()) {
      T longLived = trees.build(maxDepth);
      for (int depth = MIN_DEPTH; depth <= maxDepth; depth += 2) {
        int iterations = 1 << (maxDepth - depth + MIN_DEPTH);
        long check = 0;
        for (int i = 0; i < iterations; i++) {
          try (Scope one = trees.scope()) {
            check += trees.check(trees.build(depth));
          }
        }
        lines.add(String.format("%d\t trees of depth %d\t check: %d", iterations, depth, check));
      }
      lines.add(
          String.format(
              "long lived tree of depth %d\t check: %d", maxDepth, trees.check(longLived)));
    }
    return lines;
  }

  /** The check lines the program must print: a tree of depth d has 2^(d+1) - 1 nodes. */
  static List<String> expectedChecks(int n) {
    int maxDepth = Math.max(MIN_DEPTH + 2, n);
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            "stretch tree of depth %d\t check: %d", maxDepth + 1, (1L << (maxDepth + 2)) - 1));
    for (int depth = MIN_DEPTH; depth <= maxDepth; depth += 2) {
      int iterations = 1 << (maxDepth - depth + MIN_DEPTH);
      lines.add(
          String.format(
              "%d\t trees of depth %d\t check: %d",
              iterations, depth, iterations * ((1L << (depth + 1)) - 1)));
    }
    lines.add(
        String.format(
            "long lived tree of depth %d\t check: %d", maxDepth, (1L << (maxDepth + 1)) - 1));
    return lines;
  }

  /**
   * One run on Omega's managed heap with {@code collector} collecting in the background. The pool
   * is four times the program's peak of live bytes (the long-lived tree and one tree being built,
   * or the stretch tree), so occupancy crosses the collection threshold and every collector runs,
   * not only those that trigger on allocation count.
   */
  static Run omega(String contender, int n, Duration maxPause, List<String> checks) {
    boolean ids = contender.endsWith(REFS);
    String collector = ids ? contender.substring(0, contender.length() - REFS.length()) : contender;
    int maxDepth = Math.max(MIN_DEPTH + 2, n);
    long peakLiveBytes = (2L << maxDepth) * 2 * (2 * 8 + 16);
    long pool = Math.max(16L << 20, Long.highestOneBit(peakLiveBytes * 4 - 1) << 1);
    try (OmegaMemory omega = CollectorFigures.system(collector, pool, maxPause)) {
      ManagedHeap heap = omega.heap();
      printPausesAbove(omega);
      System.gc();
      omega.garbageCollector().startCollectionCycle();
      long started = System.nanoTime();
      checks.addAll(ids ? program(new IdTrees(heap.refs()), n) : program(new OmegaTrees(heap), n));
      double wall = (System.nanoTime() - started) / 1e6;
      omega.garbageCollector().stopCollectionCycle();
      CollectionStatistics stats = omega.garbageCollector().getCollectionStatistics();
      return new Run(
          wall,
          stats.pauses().maxNanos() / 1e6,
          stats.pauses().p99Nanos() / 1e6,
          stats.pauses().count());
    }
  }

  /**
   * {@code -Domega.bench.pausesAbove=MS} prints each longer pause with its generation and cause:
   * what decides the max-pause figure, and which collection to work on.
   */
  private static void printPausesAbove(OmegaMemory omega) {
    double above = Double.parseDouble(System.getProperty("omega.bench.pausesAbove", "-1"));
    if (above < 0) {
      return;
    }
    omega
        .garbageCollector()
        .addCollectionListener(
            event -> {
              if (event.pauseNanos() / 1e6 > above) {
                System.out.printf(
                    Locale.ROOT,
                    "  pause %.2f ms: %s generation %d %s, freed %d, promoted %d%n",
                    event.pauseNanos() / 1e6,
                    event.collector(),
                    event.generation(),
                    event.cause(),
                    event.objectsFreed(),
                    event.objectsPromoted());
              }
            });
  }

  /**
   * Trees on the managed heap, with O(depth) roots alive at any time: each node is rooted by its
   * caller's scope, its children only by a scope of their own until they are linked (the
   * HandleScope idiom).
   */
  private record OmegaTrees(ManagedHeap heap) implements Trees<HeapObject> {
    @Override
    public HeapObject build(int depth) {
      HeapObject node = heap.allocate(2, 0);
      if (depth > 0) {
        try (HeapScope children = heap.openScope()) {
          heap.setReference(node, 0, build(depth - 1));
          heap.setReference(node, 1, build(depth - 1));
        }
      }
      return node;
    }

    /** Reachable from a rooted node, the children need no scope of their own while walked. */
    @Override
    public long check(HeapObject tree) {
      HeapObject left = heap.getReference(tree, 0);
      return left == null ? 1 : 1 + check(left) + check(heap.getReference(tree, 1));
    }

    @Override
    public Scope scope() {
      return heap.openScope()::close;
    }
  }

  /**
   * The same trees through {@link HeapRefs} ids: no Java object per node, reference or scope. A
   * tree's root is boxed once as the program's {@code T}; the recursion works on {@code long}s.
   */
  private record IdTrees(HeapRefs refs) implements Trees<Long> {
    @Override
    public Long build(int depth) {
      return buildId(depth);
    }

    private long buildId(int depth) {
      long node = refs.allocate(2, 0);
      if (depth > 0) {
        int children = refs.enterScope();
        try {
          refs.set(node, 0, buildId(depth - 1));
          refs.set(node, 1, buildId(depth - 1));
        } finally {
          refs.exitScope(children);
        }
      }
      return node;
    }

    @Override
    public long check(Long tree) {
      return checkId(tree);
    }

    private long checkId(long tree) {
      long left = refs.get(tree, 0);
      return left == HeapRefs.NULL ? 1 : 1 + checkId(left) + checkId(refs.get(tree, 1));
    }

    @Override
    public Scope scope() {
      int token = refs.enterScope();
      return () -> refs.exitScope(token);
    }
  }

  /** One run on the JVM's heap; pauses as the JVM's collector reports them. */
  static Run jvmHeap(int n, List<String> checks) {
    List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
    // A notification names its collector and carries that collector's count of collections (the
    // GcInfo id), so the program's pauses are those numbered after the counts taken at its start.
    Map<String, Long> before = new HashMap<>();
    List<GarbageCollectionNotificationInfo> seen = new ArrayList<>();
    NotificationListener listener =
        (notification, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
              notification.getType())) {
            synchronized (seen) {
              seen.add(
                  GarbageCollectionNotificationInfo.from(
                      (CompositeData) notification.getUserData()));
              seen.notifyAll();
            }
          }
        };
    for (GarbageCollectorMXBean bean : beans) {
      ((NotificationEmitter) bean).addNotificationListener(listener, null, null);
    }
    System.gc();
    beans.forEach(bean -> before.put(bean.getName(), bean.getCollectionCount()));
    long started = System.nanoTime();
    checks.addAll(program(new JvmTrees(), n));
    double wall = (System.nanoTime() - started) / 1e6;
    Map<String, Long> after = new HashMap<>();
    beans.forEach(bean -> after.put(bean.getName(), bean.getCollectionCount()));
    long expected =
        after.values().stream().mapToLong(Long::longValue).sum()
            - before.values().stream().mapToLong(Long::longValue).sum();
    List<GarbageCollectionNotificationInfo> program = new ArrayList<>();
    synchronized (seen) {
      // Notifications come from the JVM's service thread after each collection ends.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (true) {
        program.clear();
        for (GarbageCollectionNotificationInfo info : seen) {
          long id = info.getGcInfo().getId();
          if (id > before.get(info.getGcName()) && id <= after.get(info.getGcName())) {
            program.add(info);
          }
        }
        if (program.size() >= expected || System.nanoTime() > deadline) {
          break;
        }
        try {
          seen.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    for (GarbageCollectorMXBean bean : beans) {
      try {
        ((NotificationEmitter) bean).removeNotificationListener(listener);
      } catch (ListenerNotFoundException e) {
        throw new AssertionError(e);
      }
    }
    if (program.size() != expected) {
      throw new IllegalStateException(
          "the JVM counted "
              + expected
              + " collections during binary-trees but notified "
              + program.size()
              + " within 5 s");
    }
    long[] durations =
        program.stream()
            // ZGC and Shenandoah report whole concurrent cycles under their "... Cycles" beans;
            // every other bean reports pauses, G1's "G1 Concurrent GC" its Remark and Cleanup.
            .filter(info -> !info.getGcName().endsWith("Cycles"))
            .mapToLong(info -> info.getGcInfo().getDuration())
            .sorted()
            .toArray();
    int count = durations.length;
    return new Run(
        wall,
        count == 0 ? 0 : durations[count - 1],
        count == 0 ? 0 : durations[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)],
        count);
  }

  private static final class JvmTrees implements Trees<JvmTrees.Node> {
    record Node(Node left, Node right) {}

    @Override
    public Node build(int depth) {
      return depth == 0 ? new Node(null, null) : new Node(build(depth - 1), build(depth - 1));
    }

    @Override
    public long check(Node tree) {
      return tree.left() == null ? 1 : 1 + check(tree.left()) + check(tree.right());
    }

    @Override
    public Scope scope() {
      return () -> {};
    }
  }

  /**
   * Runs {@code 1 + warmups + runs} times in this JVM and returns the figures; every run's check
   * lines must be the expected ones.
   *
   * @param contender {@link #JVM_HEAP} or the name of an Omega collector
   */
  static Figures inThisJvm(
      String contender, int n, Duration maxPause, int warmups, int runs, RunSink sink) {
    List<Run> all = new ArrayList<>();
    List<String> coldChecks = null;
    for (int i = 0; i < 1 + warmups + runs; i++) {
      List<String> checks = new ArrayList<>();
      Run run =
          contender.equals(JVM_HEAP) ? jvmHeap(n, checks) : omega(contender, n, maxPause, checks);
      if (!checks.equals(expectedChecks(n))) {
        throw new IllegalStateException(
            contender + " run " + i + " printed " + checks + ", expected " + expectedChecks(n));
      }
      if (i == 0) {
        coldChecks = checks;
      }
      sink.accept(i, run, checks);
      all.add(run);
    }
    return figures(all, warmups, coldChecks);
  }

  /** What {@link #inThisJvm} tells as each run ends. */
  interface RunSink {
    void accept(int index, Run run, List<String> checks);
  }

  private static Figures figures(List<Run> all, int warmups, List<String> checks) {
    List<Run> measured = all.subList(1 + warmups, all.size());
    return new Figures(
        all.getFirst(),
        new Run(
            CollectorFigures.median(measured.stream().mapToDouble(Run::wallMillis).toArray()),
            CollectorFigures.median(measured.stream().mapToDouble(Run::maxPauseMillis).toArray()),
            CollectorFigures.median(measured.stream().mapToDouble(Run::p99PauseMillis).toArray()),
            Math.round(
                CollectorFigures.median(measured.stream().mapToDouble(Run::pauses).toArray()))),
        List.copyOf(checks));
  }

  /**
   * Runs the program for one contender in a new JVM (this JVM's {@code java}, class path and flags)
   * and returns its figures.
   */
  static Figures inFreshJvm(String contender, int n, Duration maxPause, int warmups, int runs) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // A debugger's or profiler's agent would be attached twice, or bind its port twice.
      if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            BinaryTrees.class.getName(),
            contender,
            Integer.toString(n),
            Long.toString(maxPause.toNanos()),
            Integer.toString(warmups),
            Integer.toString(runs)));
    try {
      Process child =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      List<String> out;
      try (var reader = child.inputReader(StandardCharsets.UTF_8)) {
        out = reader.lines().toList();
      }
      int exit = child.waitFor();
      if (exit != 0) {
        throw new IllegalStateException(
            "binary-trees for " + contender + " exited with " + exit + "; it printed " + out);
      }
      List<Run> all = new ArrayList<>();
      List<String> checks = new ArrayList<>();
      for (String line : out) {
        if (line.startsWith("run ")) {
          all.add(Run.decode(line));
        } else if (line.startsWith("check ")) {
          checks.add(line.substring("check ".length()));
        } else {
          System.out.println(line); // -Domega.bench.pausesAbove's lines
        }
      }
      if (all.size() != 1 + warmups + runs || !checks.equals(expectedChecks(n))) {
        throw new IllegalStateException(
            "binary-trees for "
                + contender
                + " printed "
                + out
                + " (expected the check lines "
                + expectedChecks(n)
                + " and "
                + (1 + warmups + runs)
                + " runs)");
      }
      return figures(all, warmups, checks);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for binary-trees of " + contender, e);
    }
  }

  /**
   * The child of {@link #inFreshJvm}: {@code BinaryTrees CONTENDER DEPTH MAX_PAUSE_NANOS WARMUPS
   * RUNS}. Prints the cold run's check lines, then one line per run.
   */
  public static void main(String[] args) {
    if (args.length != 5) {
      System.err.println(
          "usage: BinaryTrees jvm-heap|COLLECTOR DEPTH MAX_PAUSE_NANOS WARMUPS RUNS");
      System.exit(2);
    }
    inThisJvm(
        args[0],
        Integer.parseInt(args[1]),
        Duration.ofNanos(Long.parseLong(args[2])),
        Integer.parseInt(args[3]),
        Integer.parseInt(args[4]),
        (index, run, checks) -> {
          if (index == 0) {
            checks.forEach(line -> System.out.println("check " + line));
          }
          System.out.println(run.encode());
        });
  }
}
