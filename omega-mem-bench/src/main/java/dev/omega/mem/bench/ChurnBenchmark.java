package dev.omega.mem.bench;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.runtime.OmegaMemory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Larson-style churn: each thread keeps 1,024 live blocks; an operation frees a random one and
 * allocates 16..1024 bytes in its place (and writes it). Run with {@code -t 1}, {@code -t 2} and
 * {@code -t 256} (the run script does).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class ChurnBenchmark {
  static final int SLOTS = 1024;

  /** One system shared by all threads, as an application would have. */
  @State(Scope.Benchmark)
  public static class Shared {
    OmegaMemory omega;
    MemoryManager manager;

    /**
     * Every thread's slots, emptied here before the close: JMH may tear this state down before the
     * threads' own, and closing with their blocks live reported 1,024 leaked blocks per fork.
     */
    final List<Slots> threads = new CopyOnWriteArrayList<>();

    @Setup
    public void setUp() {
      HeapLayout.shift();
      omega = BenchSystems.builder(1L << 30).build();
      manager = omega.memoryManager();
      BenchSystems.configureNettyLeakDetection(); // before the threads' slots fill
    }

    @TearDown
    public void tearDown() {
      threads.forEach(slots -> slots.empty(this));
      omega.close();
    }
  }

  /** A thread's live blocks and its random sequence (xorshift: no allocation, no contention). */
  @State(Scope.Thread)
  public static class Slots {
    MemoryBlock[] omega = new MemoryBlock[SLOTS];
    ByteBuf[] netty = new ByteBuf[SLOTS];
    long[] malloc = new long[SLOTS];
    MemorySegment[] mallocSegments = new MemorySegment[SLOTS];
    Handle[] handles = new Handle[SLOTS];
    long seed = System.nanoTime() | 1;
    private boolean emptied;

    int next() {
      seed = xorshift(seed);
      return (int) (seed >>> 33);
    }

    @Setup(Level.Trial)
    public void fill(Shared shared) {
      shared.threads.add(this);
      HeapLayout.shift(); // this thread's cache and slabs come with its first allocation
      for (int i = 0; i < SLOTS; i++) {
        omega[i] = shared.manager.allocate(16 + next() % 1009);
        netty[i] = PooledByteBufAllocator.DEFAULT.directBuffer(16 + next() % 1009);
        malloc[i] = NativeMalloc.mallocRaw(16 + next() % 1009);
        mallocSegments[i] = NativeMalloc.malloc(16 + next() % 1009);
        handles[i] = new Handle(NativeMalloc.mallocRaw(16 + next() % 1009));
      }
    }

    @TearDown(Level.Trial)
    public synchronized void empty(Shared shared) {
      if (emptied) {
        return;
      }
      emptied = true;
      for (int i = 0; i < SLOTS; i++) {
        shared.manager.deallocate(omega[i]);
        netty[i].release();
        NativeMalloc.freeRaw(malloc[i]);
        NativeMalloc.free(mallocSegments[i]);
        NativeMalloc.freeRaw(handles[i].address());
      }
    }
  }

  @Benchmark
  public long omegaChecked(Shared shared, Slots slots) {
    return step(shared.manager, slots.omega, slots.next());
  }

  static long xorshift(long seed) {
    seed ^= seed << 13;
    seed ^= seed >>> 7;
    return seed ^ seed << 17;
  }

  /**
   * One churn operation on {@code slots} with random bits {@code r}; also run by {@link
   * ManyThreads}.
   */
  static long step(MemoryManager manager, MemoryBlock[] slots, int r) {
    int i = r & (SLOTS - 1);
    manager.deallocate(slots[i]);
    MemoryBlock block = manager.allocate(16 + (r >>> 10) % 1009);
    block.setLong(0, r);
    slots[i] = block;
    return block.size();
  }

  @Benchmark
  public long mallocRawCritical(Slots slots) {
    int r = slots.next();
    int i = r & (SLOTS - 1);
    NativeMalloc.freeRaw(slots.malloc[i]);
    long size = 16 + (r >>> 10) % 1009;
    long address = NativeMalloc.mallocRaw(size);
    MemorySegment.ofAddress(address).reinterpret(size).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, r);
    slots.malloc[i] = address;
    return address;
  }

  /** The smallest object handle there is: one pointer. */
  record Handle(long address) {}

  /**
   * {@link #mallocRawCritical} that also keeps a new {@link Handle} per block in an object array,
   * as {@link #omegaChecked} keeps its {@link MemoryBlock}: what any allocator that hands out an
   * object per block costs its caller on top of the allocation. The object is allocated and zeroed,
   * the allocation stream passes through the cache, and storing it in a long-lived array runs the
   * collector's post-write barrier (under G1, a fence and a card mark), none of which a {@code
   * long[]} of pointers pays. Omega's distance to this row is its allocator against malloc.
   */
  @Benchmark
  public long mallocRawHoldingObject(Slots slots) {
    int r = slots.next();
    int i = r & (SLOTS - 1);
    NativeMalloc.freeRaw(slots.handles[i].address());
    long size = 16 + (r >>> 10) % 1009;
    long address = NativeMalloc.mallocRaw(size);
    MemorySegment.ofAddress(address).reinterpret(size).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, r);
    slots.handles[i] = new Handle(address);
    return address;
  }

  /**
   * malloc through FFM as most programs call it: plain downcalls (with the thread-state transition
   * that critical ones skip), a {@link MemorySegment} held per block.
   */
  @Benchmark
  public long mallocFfm(Slots slots) {
    int r = slots.next();
    int i = r & (SLOTS - 1);
    NativeMalloc.free(slots.mallocSegments[i]);
    MemorySegment segment = NativeMalloc.malloc(16 + (r >>> 10) % 1009);
    segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, r);
    slots.mallocSegments[i] = segment;
    return segment.byteSize();
  }

  @Benchmark
  public long nettyPooledDirect(Slots slots) {
    int r = slots.next();
    int i = r & (SLOTS - 1);
    slots.netty[i].release();
    ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(16 + (r >>> 10) % 1009);
    buffer.setLong(0, r);
    slots.netty[i] = buffer;
    return buffer.capacity();
  }
}
