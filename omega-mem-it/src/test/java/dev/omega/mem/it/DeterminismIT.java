package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deterministic mode across JVMs: the same seeded {@link
 * dev.omega.mem.testkit.DeterministicProgram} on a deterministic heap, built through the runtime
 * the same way ({@link DeterminismProgramMain#system}: a 4 MiB pool, {@code deterministic = true}),
 * gives the same trace line for line in two JVMs that differ in everything the heap must not depend
 * on. The quiet JVM runs with {@code -Domega.mem.directAccess=false} (pool memory in a shared
 * arena, every access checked by the JDK) and nothing else running; the busy JVM has direct pool
 * memory (an {@code mmap}ed region at other addresses) and {@value #BUSY_THREADS} threads
 * allocating and freeing blocks through the same system's memory manager the whole time, so the
 * heap's chunks come from a pool others are churning. The busy JVM also runs the collectors in the
 * opposite order, so each meets a JIT and a JVM heap in another state.
 *
 * <p>A trace holds every id, the order cleanup callbacks ran and weak references cleared, the
 * collection counts, the transactions, the gas used and where it ran out, the out-of-memory points
 * and the final digest (see the program), so any of them differing fails the test at its line.
 */
@Tag("concurrent_access")
class DeterminismIT {
  private static final List<String> COLLECTORS =
      List.of("reference-counting", "generational", "mark-sweep", "incremental");
  private static final long SEED = 2026;
  private static final int BUSY_THREADS = 3;

  /**
   * Room for the heap (it accounts for half the pool, 2 MiB) and the busy threads' blocks, so the
   * manager never runs short (a shortage other threads cause is outside the deterministic contract:
   * at 2 MiB the busy JVM's trace shows an out-of-memory line the quiet one does not); yet small
   * enough that the long chains' collections run in bounded steps that stop part-way, which is what
   * makes a step measured by the clock instead of by work show in the trace (at 8 MiB and more it
   * does not).
   */
  private static final long POOL_BYTES = 4L << 20;

  @TempDir static Path dir;
  private static Path quiet;
  private static Path busy;
  private static String busyOutput;

  /** Both JVMs at once, one run of each for all four collectors: JVM start-up paid twice only. */
  @BeforeAll
  static void runTheProgramInTwoJvms() throws Exception {
    quiet = Files.createDirectory(dir.resolve("quiet"));
    busy = Files.createDirectory(dir.resolve("busy"));
    Process q = start(quiet, List.of("-Domega.mem.directAccess=false"), 0, COLLECTORS);
    Process b = start(busy, List.of(), BUSY_THREADS, COLLECTORS.reversed());
    finish(q, quiet);
    busyOutput = finish(b, busy);
  }

  private static Process start(Path out, List<String> options, int threads, List<String> order)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.addAll(options);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DeterminismProgramMain.class.getName());
    command.add(out.toString());
    command.add(Long.toString(SEED));
    command.add(Integer.toString(threads));
    command.add(Long.toString(POOL_BYTES));
    command.addAll(order);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(out.resolve("output.txt").toFile())
        .start();
  }

  private static String finish(Process p, Path out) throws Exception {
    boolean ended = p.waitFor(180, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String output = Files.readString(out.resolve("output.txt"), StandardCharsets.UTF_8);
    assertTrue(ended, "the program finished in 180 s: " + output);
    assertEquals(0, p.exitValue(), output);
    return output;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"reference-counting", "generational", "mark-sweep", "incremental"})
  void deterministicProgram_inTwoJvms_givesTheSameTraceLineForLine(String collector)
      throws Exception {
    for (String shape : List.of("short", "long")) {
      sameTrace(collector, shape);
    }
  }

  private static void sameTrace(String collector, String shape) throws IOException {
    String name = "trace-" + collector + "-" + shape + ".txt";
    String label = collector + " (" + shape + " chains)";
    List<String> a = Files.readAllLines(quiet.resolve(name));
    List<String> b = Files.readAllLines(busy.resolve(name));
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      if (!a.get(i).equals(b.get(i))) {
        fail(
            label
                + ": the traces differ first at line "
                + (i + 1)
                + "\n  quiet JVM: "
                + a.get(i)
                + "\n  busy JVM:  "
                + b.get(i)
                + "\n  the line before: "
                + (i == 0 ? "(none)" : a.get(i - 1)));
      }
    }
    assertEquals(a.size(), b.size(), label + ": trace lengths (equal up to the shorter)");

    String all = String.join("\n", a);
    for (String reached :
        List.of("freed #", "rollback frame", "commit frame", "out of gas at", "end: objects")) {
      assertTrue(all.contains(reached), label + ": the trace reaches '" + reached + "'");
    }
    assertTrue(
        busyOutput.matches("(?s).*busy " + collector + " " + shape + " [1-9]\\d*\\n.*"),
        label + ": the busy threads allocated while the program ran: " + busyOutput);
  }
}
