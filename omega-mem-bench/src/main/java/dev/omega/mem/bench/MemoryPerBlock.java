package dev.omega.mem.bench;

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

/**
 * Memory beyond the payload with N live 64-byte blocks: Java-heap bytes per block (after a full GC,
 * including the handle objects the program must hold) and native bytes per block beyond 64 (from
 * the allocator's own counters where it has them, else resident-set growth after {@code
 * malloc_trim}).
 */
final class MemoryPerBlock {
  private MemoryPerBlock() {}

  record Figure(double heapBytesPerBlock, double nativeBytesBeyondPayload) {}

  static long heapUsed() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long residentBytes() {
    try {
      String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(fields[1]) * 4096;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static Map<String, Figure> measure(int blocks) {
    Map<String, Figure> figures = new LinkedHashMap<>();
    figures.put("omega (MemoryBlock, checked)", omega(blocks));
    figures.put("malloc (raw long pointers)", malloc(blocks));
    figures.put("netty pooled direct", netty(blocks));
    figures.put("FFM Arena.ofShared", arena(blocks));
    return figures;
  }

  private static Figure omega(int blocks) {
    try (OmegaMemory omega = BenchSystems.builder(256L << 20).build()) {
      MemoryManager manager = omega.memoryManager();
      MemoryBlock[] held = new MemoryBlock[blocks];
      long before = heapUsed();
      for (int i = 0; i < blocks; i++) {
        held[i] = manager.allocate(64);
      }
      long after = heapUsed();
      long usedPool = omega.memoryPool().getPoolStatistics().usedBytes();
      double heap = (after - before) / (double) blocks;
      double offHeap = (usedPool - 64.0 * blocks) / blocks;
      for (MemoryBlock b : held) {
        manager.deallocate(b);
      }
      return new Figure(heap, offHeap);
    }
  }

  private static Figure malloc(int blocks) {
    long[] held = new long[blocks];
    NativeMalloc.trim();
    long rssBefore = residentBytes();
    for (int i = 0; i < blocks; i++) {
      held[i] = NativeMalloc.mallocRaw(64);
      MemorySegment.ofAddress(held[i]).reinterpret(64).fill((byte) 1);
    }
    long rssAfter = residentBytes();
    for (long address : held) {
      NativeMalloc.freeRaw(address);
    }
    return new Figure(8, (rssAfter - rssBefore - 64.0 * blocks) / blocks);
  }

  private static Figure netty(int blocks) {
    BenchSystems.configureNettyLeakDetection();
    PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
    ByteBuf[] held = new ByteBuf[blocks];
    long before = heapUsed();
    for (int i = 0; i < blocks; i++) {
      held[i] = allocator.directBuffer(64);
    }
    long after = heapUsed();
    long direct = allocator.metric().usedDirectMemory();
    Figure figure =
        new Figure((after - before) / (double) blocks, (direct - 64.0 * blocks) / blocks);
    for (ByteBuf b : held) {
      b.release();
    }
    return figure;
  }

  private static Figure arena(int blocks) {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment[] held = new MemorySegment[blocks];
      long before = heapUsed();
      long committedBefore =
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
      // The arena mallocs each segment: without the trim it reused chunks the malloc row had
      // freed, already resident, and one run printed -59 bytes per block.
      NativeMalloc.trim();
      long rssBefore = residentBytes();
      for (int i = 0; i < blocks; i++) {
        held[i] = arena.allocate(64);
      }
      long rssAfter = residentBytes();
      long committedAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
      long after = heapUsed();
      // Resident growth minus Java-heap growth is what the arena took natively.
      double nativeBytes = rssAfter - rssBefore - Math.max(0, committedAfter - committedBefore);
      return new Figure((after - before) / (double) blocks, (nativeBytes - 64.0 * blocks) / blocks);
    }
  }
}
