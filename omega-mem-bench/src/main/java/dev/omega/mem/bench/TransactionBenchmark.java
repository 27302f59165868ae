package dev.omega.mem.bench;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapTransaction;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an open transaction and an open gas meter add to a write through {@link HeapRefs}: {@link
 * #set} (a reference slot, through the write barrier) and {@link #setLong} (a payload long), in
 * four {@link #context}s: {@code none}, {@code transaction} (one open {@link HeapTransaction}, so
 * every write records an undo entry, and a reference write keeps the slot's old target alive),
 * {@code meter} (one open {@link GasMeter} with a budget it never reaches, so every write is
 * charged) and {@code both}.
 *
 * <p>An undo log grows with every write until its outermost frame ends, so every {@value #SPAN}
 * writes the benchmark commits the transaction and begins the next: the transaction figures include
 * a begin and a commit per {@value #SPAN} writes, amortised. The other contexts take the same
 * counter branch and do nothing there, so the figures differ only by what the context costs. The
 * heap is deterministic (where transactions and meters are for), generational, with no background
 * collection; {@code -p deterministic=false} runs the same on an ordinary heap.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class TransactionBenchmark {
  /** Writes between a commit and the next begin. */
  static final int SPAN = 1024;

  @Param({"none", "transaction", "meter", "both"})
  public String context;

  @Param({"true"})
  public boolean deterministic;

  OmegaMemory omega;
  ManagedHeap heap;
  HeapRefs refs;
  GasMeter meter;
  HeapTransaction transaction;
  boolean transacted;
  int written;
  int scope;
  long a;
  long b;
  long value;

  /** Trial-level setup runs on the benchmark's own thread: the heap's one mutator. */
  @Setup
  public void setUp() {
    omega =
        BenchSystems.builder(64L << 20)
            .garbageCollector(
                GarbageCollectorConfig.builder()
                    .collectionStrategy("generational")
                    .deterministic(deterministic)
                    .build())
            .build();
    heap = omega.heap();
    refs = heap.refs();
    scope = refs.enterScope();
    a = refs.allocate(2, 16);
    b = refs.allocate(2, 16);
    transacted = context.equals("transaction") || context.equals("both");
    if (context.equals("meter") || context.equals("both")) {
      meter = heap.meter(Long.MAX_VALUE / 2, GasSchedule.defaults());
    }
    if (transacted) {
      transaction = heap.begin();
    }
  }

  @TearDown
  public void tearDown() {
    if (transaction != null) {
      transaction.commit();
    }
    if (meter != null) {
      meter.close();
    }
    refs.exitScope(scope);
    omega.close();
  }

  /** Every {@value #SPAN} writes: commit and begin again, so the undo log stays bounded. */
  private void written() {
    if (++written == SPAN) {
      written = 0;
      if (transacted) {
        transaction.commit();
        transaction = heap.begin();
      }
    }
  }

  @Benchmark
  public void set() {
    refs.set(a, 1, b);
    written();
  }

  @Benchmark
  public void setLong() {
    refs.setLong(a, 0, ++value);
    written();
  }
}
