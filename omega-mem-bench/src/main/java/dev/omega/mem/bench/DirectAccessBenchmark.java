package dev.omega.mem.bench;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
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
 * What direct pool memory saves the checked 64 B allocate-write-read-free pair: {@link
 * AllocateFreeBenchmark#omegaChecked}'s body on a pool of direct memory (blocks access it with only
 * their own checks) and on one of checked memory (a shared arena's segment, whose liveness check
 * every access pays). The mode is chosen as a user would, with {@code -Domega.mem.directAccess},
 * and JMH runs each value of the parameter in forks of its own, so neither mode's profile shapes
 * the other's compiled code.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class DirectAccessBenchmark {
  static final int SIZE = 64;

  @Param({"direct", "checked"})
  public String poolMemory;

  OmegaMemory omega;
  MemoryManager manager;

  @Setup
  public void setUp() {
    boolean direct =
        switch (poolMemory) {
          case "direct" -> true;
          case "checked" -> false;
          default ->
              throw new IllegalArgumentException(
                  "poolMemory: " + poolMemory + " (expected: direct or checked)");
        };
    if (direct) {
      StartupFigures.whyNoDirectMemory()
          .ifPresent(
              why -> {
                throw new IllegalStateException(why);
              });
    }
    HeapLayout.shift();
    omega = StartupFigures.withPoolMemory(direct, () -> BenchSystems.builder(256L << 20).build());
    manager = omega.memoryManager();
    HeapLayout.shift(); // the thread cache and the first slab come with the first allocation
  }

  @TearDown
  public void tearDown() {
    omega.close();
  }

  /** {@link AllocateFreeBenchmark#omegaChecked} at 64 B. */
  @Benchmark
  public long omegaChecked() {
    MemoryBlock block = manager.allocate(SIZE);
    block.setLong(0, SIZE);
    long value = block.getLong(0);
    manager.deallocate(block);
    return value;
  }
}
