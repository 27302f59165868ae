package dev.omega.mem.bench;

import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.runtime.OmegaMemory;
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
 * What gas metering costs a domain (issue 25): allocate 64 bytes from a domain, write four longs,
 * read one, free; once with no meter open (metering then costs one volatile read per allocation and
 * per write) and once with a meter open on the benchmark thread (one allocation check and charge,
 * four write charges).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class DomainMeterBenchmark {
  OmegaMemory omega;
  MemoryDomain domain;

  @Setup
  public void setUp() {
    omega = BenchSystems.builder(256L << 20).build();
    domain = omega.memoryManager().createDomain(DomainConfig.unlimited("bench"));
  }

  @TearDown
  public void tearDown() {
    omega.close();
  }

  /** A meter open on the benchmark thread (JMH runs a trial's setup on it). */
  @State(Scope.Thread)
  public static class Metered {
    GasMeter meter;

    @Setup
    public void open(DomainMeterBenchmark b) {
      meter = b.domain.meter(Long.MAX_VALUE, GasSchedule.defaults());
    }

    @TearDown
    public void close() {
      meter.close();
    }
  }

  @Benchmark
  public long domainMetered(Metered metered) {
    return domainUnmetered();
  }

  @Benchmark
  public long domainUnmetered() {
    MemoryBlock block = domain.allocate(64);
    block.setLong(0, 1);
    block.setLong(8, 2);
    block.setLong(16, 3);
    block.setLong(24, 4);
    long value = block.getLong(0);
    domain.deallocate(block);
    return value;
  }
}
