package com.example.omega.app;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * An application that takes its memory system from configuration: {@code omega-mem.conf} on the
 * class path picks the {@code batch} strategy and the {@code reference-counting} collector, and the
 * project carries only the modules that serve them (no monitor).
 */
public final class BatchRefcountApp {

  /** What one run did, for the test and for the user. */
  public record Summary(
      String strategy, String collector, long blocksUsed, long liveObjects, long objectsFreed) {}

  private BatchRefcountApp() {}

  public static void main(String[] args) {
    try (OmegaMemory omega = OmegaMemory.fromClasspath()) {
      Summary s = run(omega);
      System.out.printf(
          "strategy %s, collector %s: %d blocks used and freed; %d objects freed, %d live%n",
          s.strategy(), s.collector(), s.blocksUsed(), s.objectsFreed(), s.liveObjects());
    }
  }

  /** Some manager work and some heap work: blocks allocated and freed, a list and a cycle dropped. */
  public static Summary run(OmegaMemory omega) {
    MemoryManager manager = omega.memoryManager();
    List<MemoryBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      MemoryBlock block = manager.allocate(64L << (i % 8));
      block.setLong(0, i);
      blocks.add(block);
    }
    for (MemoryBlock block : blocks) {
      manager.deallocate(block);
    }

    ManagedHeap heap = omega.heap();
    HeapObject kept;
    try (HeapScope scope = heap.openScope()) {
      kept = heap.allocate(1, 8);
      heap.addRoot(kept); // outlives the scope
      HeapObject list = heap.allocate(1, 8); // a list of 1,000, dropped with the scope
      HeapObject tail = list;
      for (int i = 0; i < 999; i++) {
        HeapObject next = heap.allocate(1, 8);
        heap.setReference(tail, 0, next);
        tail = next;
      }
      HeapObject a = heap.allocate(1, 8); // a cycle: counts never reach zero on their own
      HeapObject b = heap.allocate(1, 8);
      heap.setReference(a, 0, b);
      heap.setReference(b, 0, a);
    }
    omega.garbageCollector().forceCollection();
    CollectionStatistics stats = omega.garbageCollector().getCollectionStatistics();
    long live = heap.objectCount();
    heap.removeRoot(kept);
    return new Summary(
        omega.memoryPool().getPoolStatistics().strategy(),
        omega.garbageCollector().name(),
        blocks.size(),
        live,
        stats.objectsFreed());
  }
}
