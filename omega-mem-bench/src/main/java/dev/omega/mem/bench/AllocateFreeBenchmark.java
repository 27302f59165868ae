package dev.omega.mem.bench;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.runtime.OmegaMemory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
 * Allocate, write and read 8 bytes, free: one block at a time. Every contender touches the memory
 * the same way, so the figure is allocator cost plus one checked (or unchecked) access pair.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class AllocateFreeBenchmark {
  /** {@link #jvmHeap}'s access: 8 bytes of a {@code byte[]} at once, in the machine's order. */
  private static final VarHandle LONG_IN_BYTES =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  @Param({"64", "4096"})
  public int size;

  OmegaMemory omega;
  MemoryManager manager;
  PooledByteBufAllocator netty;

  @Setup
  public void setUp() {
    HeapLayout.shift();
    omega = BenchSystems.builder(256L << 20).build();
    manager = omega.memoryManager();
    HeapLayout.shift(); // the thread cache and the first slab come with the first allocation
    BenchSystems.configureNettyLeakDetection();
    netty = PooledByteBufAllocator.DEFAULT;
  }

  @TearDown
  public void tearDown() {
    omega.close();
  }

  @Benchmark
  public long omegaChecked() {
    MemoryBlock block = manager.allocate(size);
    block.setLong(0, size);
    long value = block.getLong(0);
    manager.deallocate(block);
    return value;
  }

  @Benchmark
  public long mallocFfm() {
    MemorySegment segment = NativeMalloc.malloc(size);
    segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, size);
    long value = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    NativeMalloc.free(segment);
    return value;
  }

  /**
   * Allocate and free with no access between: the allocator's own cost. With {@link
   * #mallocFfmNoAccess} it splits the checked figure into allocator and access. Malloc's segment is
   * made in the downcall wrapper, so C2 sees its length and scope and folds the access checks away;
   * a block's segment is the pool's, loaded from a field, so its checks (scope liveness, bounds,
   * read-only) run on each access.
   */
  @Benchmark
  public long omegaNoAccess() {
    MemoryBlock block = manager.allocate(size);
    long value = block.size();
    manager.deallocate(block);
    return value;
  }

  @Benchmark
  public long mallocFfmNoAccess() {
    MemorySegment segment = NativeMalloc.malloc(size);
    long value = segment.byteSize();
    NativeMalloc.free(segment);
    return value;
  }

  @Benchmark
  public long mallocRawCritical() {
    long address = NativeMalloc.mallocRaw(size);
    MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(size);
    segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, size);
    long value = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    NativeMalloc.freeRaw(address);
    return value;
  }

  @Benchmark
  public long nettyPooledDirect() {
    ByteBuf buffer = netty.directBuffer(size);
    buffer.setLong(0, size);
    long value = buffer.getLong(0);
    buffer.release();
    return value;
  }

  @Benchmark
  public long arenaConfined() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment segment = arena.allocate(size);
      segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, size);
      return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }
  }

  @Benchmark
  public long jvmHeap() {
    byte[] bytes = new byte[size];
    LONG_IN_BYTES.set(bytes, 0, (long) size);
    return (long) LONG_IN_BYTES.get(bytes, 0);
  }
}
