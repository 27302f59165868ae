package dev.omega.mem.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.runtime.OmegaMemory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Memory beyond the payload with N live 64-byte blocks, measured the same way for every contender.
 *
 * <p>Design note. Each contender allocates the blocks, writes all 64 bytes of each, and keeps them
 * in an array of its handles ({@code MemoryBlock[]}, {@code ByteBuf[]}, {@code MemorySegment[]}, or
 * malloc's {@code long[]} of addresses), as a program must keep each block's handle somewhere. Its
 * system or allocator is built before the measurement starts: what is measured is what the blocks
 * cost, not what an empty allocator costs.
 *
 * <ul>
 *   <li><em>Java heap</em>: used heap after full collections ({@code System.gc()}), before and
 *       after the allocation. The holder array is allocated in between, so it is included for every
 *       contender alike.
 *   <li><em>Native</em>: growth of the resident set ({@code VmRSS} in {@code /proc/self/status})
 *       across the allocation, less the 64 payload bytes. Resident memory, not an allocator's own
 *       counter, is the one measure every contender has, and it counts what the system really gave:
 *       headers, rounding, and the unused rest of pages that a chunk touched. The blocks are
 *       written so that their pages are resident (a mapping's untouched pages are not). {@code
 *       malloc_trim} runs first, so that malloc does not reuse free chunks an earlier contender
 *       left resident. The Java heap's own pages must not grow the resident set meanwhile, so the
 *       figure needs a heap committed and touched at start-up ({@code -Xms} equal to {@code -Xmx},
 *       {@code -XX:+AlwaysPreTouch}, as the run script starts the JVM); in any other JVM it is NaN
 *       and {@link #whyNoNativeFigure} says why. Subtracting the growth of the committed heap
 *       instead is no substitute: pages committed earlier but first touched now are not in it, and
 *       pages committed now but not yet touched are.
 * </ul>
 *
 * <p>Not thread-safe; nothing else should allocate while it measures.
 */
final class MemoryPerBlock {
  private MemoryPerBlock() {}

  static final int PAYLOAD = 64;

  /**
   * @param heapBytesPerBlock Java-heap bytes per block, the holder array included
   * @param nativeBytesBeyondPayload resident bytes per block beyond the payload; NaN when {@link
   *     #whyNoNativeFigure} gives a reason
   */
  record Figure(double heapBytesPerBlock, double nativeBytesBeyondPayload) {}

  static long heapUsed() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Why resident growth would not be native growth in this JVM, or empty when its heap was
   * committed in full and touched at start-up.
   */
  static Optional<String> whyNoNativeFigure() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    boolean preTouched = Boolean.parseBoolean(vm.getVMOption("AlwaysPreTouch").getValue());
    boolean fixed =
        vm.getVMOption("InitialHeapSize")
            .getValue()
            .equals(vm.getVMOption("MaxHeapSize").getValue());
    if (preTouched && fixed) {
      return Optional.empty();
    }
    return Optional.of(
        "the Java heap was not committed and touched at start-up, so its pages would count as"
            + " native; start the JVM with -Xms equal to -Xmx and -XX:+AlwaysPreTouch, as"
            + " omega-mem-bench/run does");
  }

  private static final Path STATUS = Path.of("/proc/self/status");

  /**
   * This process's resident set size, in bytes.
   *
   * @throws IllegalStateException when {@code /proc/self/status} cannot be read or has no {@code
   *     VmRSS} line (a system without Linux's procfs), saying which
   */
  static long residentBytes() {
    String status;
    try {
      status = Files.readString(STATUS);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read the resident set size: " + STATUS + " is not readable (" + e + ")", e);
    }
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length == 3 && fields[2].equals("kB")) {
          return Long.parseLong(fields[1]) * 1024;
        }
        throw new IllegalStateException(
            "cannot read the resident set size: " + STATUS + " has '" + line + "'");
      }
    }
    throw new IllegalStateException(
        "cannot read the resident set size: " + STATUS + " has no VmRSS line");
  }

  static Map<String, Figure> measure(int blocks) {
    Map<String, Figure> figures = new LinkedHashMap<>();
    figures.put("omega (MemoryBlock, checked)", omega(blocks));
    figures.put("malloc (raw long pointers)", malloc(blocks));
    figures.put("netty pooled direct", netty(blocks));
    figures.put("FFM Arena.ofShared", arena(blocks));
    return figures;
  }

  /**
   * Measures one contender: {@code allocate} makes and writes {@code blocks} blocks and returns the
   * array that holds them, which {@code free} frees after the measurement.
   */
  private static <H> Figure measure(int blocks, IntFunction<H> allocate, Consumer<H> free) {
    long heapBefore = heapUsed();
    NativeMalloc.trim();
    long residentBefore = residentBytes();
    H held = allocate.apply(blocks);
    long residentAfter = residentBytes();
    long heapAfter = heapUsed();
    free.accept(held);
    return new Figure(
        (heapAfter - heapBefore) / (double) blocks,
        whyNoNativeFigure().isPresent()
            ? Double.NaN
            : (residentAfter - residentBefore - (double) PAYLOAD * blocks) / blocks);
  }

  private static Figure omega(int blocks) {
    try (OmegaMemory omega = BenchSystems.builder(256L << 20).build()) {
      MemoryManager manager = omega.memoryManager();
      return measure(
          blocks,
          n -> {
            MemoryBlock[] held = new MemoryBlock[n];
            for (int i = 0; i < n; i++) {
              held[i] = manager.allocate(PAYLOAD);
              held[i].fill((byte) 1);
            }
            return held;
          },
          held -> {
            for (MemoryBlock b : held) {
              manager.deallocate(b);
            }
          });
    }
  }

  private static Figure malloc(int blocks) {
    return measure(
        blocks,
        n -> {
          long[] held = new long[n];
          for (int i = 0; i < n; i++) {
            held[i] = NativeMalloc.mallocRaw(PAYLOAD);
            MemorySegment.ofAddress(held[i]).reinterpret(PAYLOAD).fill((byte) 1);
          }
          return held;
        },
        held -> {
          for (long address : held) {
            NativeMalloc.freeRaw(address);
          }
        });
  }

  private static Figure netty(int blocks) {
    BenchSystems.configureNettyLeakDetection();
    PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
    return measure(
        blocks,
        n -> {
          ByteBuf[] held = new ByteBuf[n];
          for (int i = 0; i < n; i++) {
            held[i] = allocator.directBuffer(PAYLOAD);
            for (int at = 0; at < PAYLOAD; at += Long.BYTES) {
              held[i].setLong(at, 0x0101010101010101L);
            }
          }
          return held;
        },
        held -> {
          for (ByteBuf b : held) {
            b.release();
          }
        });
  }

  private static Figure arena(int blocks) {
    try (Arena arena = Arena.ofShared()) {
      return measure(
          blocks,
          n -> {
            MemorySegment[] held = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
              held[i] = arena.allocate(PAYLOAD);
              held[i].fill((byte) 1);
            }
            return held;
          },
          held -> {});
    }
  }
}
