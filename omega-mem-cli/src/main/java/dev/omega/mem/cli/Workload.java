package dev.omega.mem.cli;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.HeapScope;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The built-in workloads that drive an embedded instance so a new user sees real figures. */
enum Workload {
  /**
   * Larson-style churn: each thread keeps 1,024 live blocks, frees one and allocates 16..1024 B.
   */
  CHURN("churn") {
    @Override
    Result run(OmegaMemory omega, int threads, long operations, long seed)
        throws InterruptedException {
      MemoryManager manager = omega.memoryManager();
      long perThread = Math.max(1, operations / threads);
      List<Thread> workers = new ArrayList<>();
      long[] checksumErrors = new long[threads];
      RuntimeException[] failures = new RuntimeException[threads];
      long started = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        int id = t;
        workers.add(
            Thread.ofPlatform()
                .name("omega-churn-" + t)
                .start(
                    () -> {
                      try {
                        churn(
                            manager,
                            new SplittableRandom(seed + id),
                            perThread,
                            checksumErrors,
                            id);
                      } catch (RuntimeException e) {
                        failures[id] = e;
                      }
                    }));
      }
      for (Thread worker : workers) {
        worker.join();
      }
      // A worker that died (an exhausted pool) would otherwise leave a run that looks complete.
      RuntimeException failure = null;
      for (RuntimeException e : failures) {
        if (e != null && failure == null) {
          failure = e;
        } else if (e != null) {
          failure.addSuppressed(e);
        }
      }
      if (failure != null) {
        throw failure;
      }
      long nanos = System.nanoTime() - started;
      long errors = 0;
      for (long e : checksumErrors) {
        errors += e;
      }
      return new Result(name, threads, perThread * threads, nanos, errors);
    }

    private static void churn(
        MemoryManager manager,
        SplittableRandom random,
        long operations,
        long[] checksumErrors,
        int id) {
      MemoryBlock[] slots = new MemoryBlock[1024];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = manager.allocate(16 + random.nextInt(1009));
        slots[i].setLong(0, i);
      }
      for (long op = 0; op < operations; op++) {
        int i = random.nextInt(slots.length);
        if (slots[i].getLong(0) != i) {
          checksumErrors[id]++;
        }
        manager.deallocate(slots[i]);
        slots[i] = manager.allocate(16 + random.nextInt(1009));
        slots[i].setLong(0, i);
      }
      for (MemoryBlock block : slots) {
        manager.deallocate(block);
      }
    }
  },

  /**
   * Binary-trees (Benchmarks Game shape) on the managed heap: short-lived trees around a long-lived
   * one.
   */
  BINARY_TREES("binary-trees") {
    @Override
    Result run(OmegaMemory omega, int threads, long operations, long seed) {
      ManagedHeap heap = omega.heap();
      int maxDepth = (int) Math.max(6, Math.min(20, operations));
      long started = System.nanoTime();
      long nodes = 0;
      long errors = 0;
      try (HeapScope scope = heap.openScope()) {
        HeapObject longLived = tree(heap, maxDepth);
        for (int depth = 4; depth <= maxDepth; depth += 2) {
          int iterations = 1 << (maxDepth - depth + 4);
          for (int i = 0; i < iterations; i++) {
            try (HeapScope inner = heap.openScope()) {
              HeapObject t = tree(heap, depth);
              nodes += check(heap, t);
            }
          }
        }
        long expected = (1L << (maxDepth + 1)) - 1;
        if (check(heap, longLived) != expected) {
          errors++;
        }
      }
      return new Result(name, 1, nodes, System.nanoTime() - started, errors);
    }

    /** O(depth) roots alive at a time: children are rooted by their own scope until linked. */
    private HeapObject tree(ManagedHeap heap, int depth) {
      HeapObject node = heap.allocate(2, 0);
      if (depth > 0) {
        try (HeapScope children = heap.openScope()) {
          heap.setReference(node, 0, tree(heap, depth - 1));
          heap.setReference(node, 1, tree(heap, depth - 1));
        }
      }
      return node;
    }

    private long check(ManagedHeap heap, HeapObject node) {
      HeapObject left = heap.getReference(node, 0);
      return left == null ? 1 : 1 + check(heap, left) + check(heap, heap.getReference(node, 1));
    }
  },

  /** Cyclic garbage: rings of objects dropped unreachable, then a full collection. */
  CYCLES("cycles") {
    @Override
    Result run(OmegaMemory omega, int threads, long operations, long seed) {
      ManagedHeap heap = omega.heap();
      long objects = Math.max(100, operations);
      long started = System.nanoTime();
      try (HeapScope scope = heap.openScope()) {
        for (long made = 0; made < objects; made += 100) {
          HeapObject first = heap.allocate(1, 16);
          HeapObject prev = first;
          for (int i = 1; i < 100; i++) {
            HeapObject next = heap.allocate(1, 16);
            heap.setReference(prev, 0, next);
            prev = next;
          }
          heap.setReference(prev, 0, first);
        }
      }
      omega.garbageCollector().forceCollection();
      long left = heap.objectCount();
      return new Result(name, 1, objects, System.nanoTime() - started, left);
    }
  };

  final String name;

  Workload(String name) {
    this.name = name;
  }

  /**
   * Runs the workload. What a worker thread throws (an {@code OutOfMemoryException} when the pool
   * is too small for the workload) is thrown here, on the caller's thread.
   */
  abstract Result run(OmegaMemory omega, int threads, long operations, long seed)
      throws InterruptedException;

  static Workload named(String name) {
    for (Workload w : values()) {
      if (w.name.equals(name)) {
        return w;
      }
    }
    throw new IllegalArgumentException(
        "unknown workload [" + name + "]; expected one of churn, binary-trees, cycles");
  }

  /**
   * What a workload did.
   *
   * @param errors data or accounting errors seen (must be 0)
   */
  record Result(String workload, int threads, long operations, long nanos, long errors) {
    double nanosPerOperation() {
      return operations == 0 ? 0 : (double) nanos / operations;
    }
  }
}
