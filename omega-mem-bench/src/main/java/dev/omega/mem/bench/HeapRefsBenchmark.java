package dev.omega.mem.bench;

import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.runtime.OmegaMemory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The managed heap's mutator operations through {@link HeapRefs} ids, beside the JVM's {@code new}
 * and field access on the same shape (two references), in the same fork. Omega's collector is
 * {@code generational} collecting in the background, so {@link #set} runs its barrier; every
 * operation runs with the thread inside an open scope, as a runtime's interpreter loop would, and
 * allocation closes and reopens that scope every {@value #SCOPE_SPAN} objects so the roots stay
 * bounded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class HeapRefsBenchmark {
  static final int SCOPE_SPAN = 1024;

  OmegaMemory omega;
  HeapRefs refs;
  int holding;
  int allocated;
  int outer;
  long a;
  long b;
  Node jvmA;
  Node jvmB;

  /** The JVM's object of the same shape. */
  static final class Node {
    Node left;
    Node right;
  }

  @Setup
  public void setUp() {
    omega = CollectorFigures.system("generational", 256L << 20, Duration.ofMillis(5));
    omega.garbageCollector().startCollectionCycle();
    refs = omega.heap().refs();
    outer = refs.enterScope();
    a = refs.allocate(2, 0);
    b = refs.allocate(2, 0);
    refs.set(a, 0, b);
    holding = refs.enterScope();
    jvmA = new Node();
    jvmB = new Node();
    jvmA.left = jvmB;
  }

  @TearDown
  public void tearDown() {
    refs.exitScope(holding);
    refs.exitScope(outer);
    omega.close();
  }

  @Benchmark
  public long allocate() {
    long id = refs.allocate(2, 0);
    if (++allocated == SCOPE_SPAN) {
      allocated = 0;
      refs.exitScope(holding);
      holding = refs.enterScope();
    }
    return id;
  }

  @Benchmark
  public long get() {
    return refs.get(a, 0);
  }

  @Benchmark
  public void set() {
    refs.set(a, 1, b);
  }

  @Benchmark
  public Node jvmNew() {
    return new Node();
  }

  @Benchmark
  public Node jvmGet() {
    return jvmA.left;
  }

  @Benchmark
  public void jvmSet() {
    jvmA.right = jvmB;
  }
}
