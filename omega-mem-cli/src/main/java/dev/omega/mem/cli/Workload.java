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

/**
 * The built-in workloads that drive an embedded instance so a new user sees real figures. Each says
 * what one of its operations includes ({@link #operation}), so that a per-operation figure can be
 * read against a benchmark's.
 */
enum Workload {
  /**
   * The default: the whole system at once. Each thread runs churn through the manager and, in the
   * same loop, builds object graphs on the managed heap and drops most of them, so the collector
   * runs.
   *
   * <p>Heap shape: objects are made in structures of {@value #STRUCTURE} inside one {@link
   * HeapScope}; each object links to the previous one (slot 0) and back to the structure's head
   * (slot 1, which makes every structure a cycle). When the scope closes the structure is garbage,
   * except one in {@value #KEPT_EVERY} that becomes a global root, held in a window of {@value
   * #KEPT_WINDOW} per thread (the oldest is unrooted when a new one comes), so that some objects
   * live long enough to be promoted. After the timed run a full collection (untimed) reclaims what
   * is left.
   */
  MIXED(
      "mixed",
      "free one block and allocate one of 16..1024 B through the MemoryManager (checked write and"
          + " read), and allocate one managed-heap object (2 reference slots, 16 B payload) and"
          + " link it into its structure; structures of 64 objects become garbage, 1 in 8 stays"
          + " rooted for a while") {
    @Override
    Result run(OmegaMemory omega, int threads, long operations, long seed)
        throws InterruptedException {
      MemoryManager manager = omega.memoryManager();
      ManagedHeap heap = omega.heap();
      Result result =
          inThreads(
              name,
              threads,
              operations,
              (id, perThread, errors) ->
                  mixed(manager, heap, new SplittableRandom(seed + id), perThread, errors, id));
      // Everything the run made is unrooted by now: collect it (untimed), so that the run leaves
      // the heap as it found it, as churn leaves the manager.
      omega.garbageCollector().forceCollection();
      return result;
    }

    private static void mixed(
        MemoryManager manager,
        ManagedHeap heap,
        SplittableRandom random,
        long operations,
        long[] checksumErrors,
        int id) {
      MemoryBlock[] slots = new MemoryBlock[1024];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = manager.allocate(16 + random.nextInt(1009));
        slots[i].setLong(0, i);
      }
      HeapObject[] kept = new HeapObject[KEPT_WINDOW];
      long op = 0;
      for (long structure = 0; op < operations; structure++) {
        try (HeapScope scope = heap.openScope()) {
          HeapObject head = null;
          HeapObject previous = null;
          for (int k = 0; k < STRUCTURE && op < operations; k++, op++) {
            int i = random.nextInt(slots.length);
            if (slots[i].getLong(0) != i) {
              checksumErrors[id]++;
            }
            manager.deallocate(slots[i]);
            slots[i] = manager.allocate(16 + random.nextInt(1009));
            slots[i].setLong(0, i);

            HeapObject object = heap.allocate(2, 16);
            object.data().setLong(0, op);
            if (head == null) {
              head = object;
            } else {
              heap.setReference(previous, 0, object);
              heap.setReference(object, 1, head);
            }
            previous = object;
          }
          if (structure % KEPT_EVERY == 0 && head != null) {
            int w = (int) (structure / KEPT_EVERY % KEPT_WINDOW);
            if (kept[w] != null) {
              heap.removeRoot(kept[w]);
            }
            heap.addRoot(head);
            kept[w] = head;
          }
        }
      }
      for (HeapObject root : kept) {
        if (root != null) {
          heap.removeRoot(root);
        }
      }
      for (MemoryBlock block : slots) {
        manager.deallocate(block);
      }
    }
  },

  /**
   * Larson-style churn: each thread keeps 1,024 live blocks, frees one and allocates 16..1024 B.
   */
  CHURN(
      "churn",
      "free one block and allocate one of 16..1024 B through the MemoryManager, with a checked"
          + " write and read; no managed heap") {
    @Override
    Result run(OmegaMemory omega, int threads, long operations, long seed)
        throws InterruptedException {
      MemoryManager manager = omega.memoryManager();
      return inThreads(
          name,
          threads,
          operations,
          (id, perThread, errors) ->
              churn(manager, new SplittableRandom(seed + id), perThread, errors, id));
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
  BINARY_TREES(
      "binary-trees",
      "allocate one 2-slot managed-heap node and link it into a tree, then check it; one thread,"
          + " no manager calls of its own") {
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
  CYCLES(
      "cycles",
      "allocate one managed-heap object (1 slot, 16 B) and link it into a ring of 100; the run ends"
          + " with a forced full collection, which is timed with it") {
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

  /** Objects per heap structure in {@link #MIXED}. */
  static final int STRUCTURE = 64;

  /** One heap structure in this many is kept rooted for a while in {@link #MIXED}. */
  static final int KEPT_EVERY = 8;

  /** Rooted structures each {@link #MIXED} thread holds at once. */
  static final int KEPT_WINDOW = 32;

  final String name;

  /** What one operation of this workload includes, for the report. */
  final String operation;

  Workload(String name, String operation) {
    this.name = name;
    this.operation = operation;
  }

  /** One worker's share of a multi-threaded workload. */
  @FunctionalInterface
  interface Worker {
    void run(int id, long operations, long[] checksumErrors);
  }

  /**
   * Runs {@code worker} on {@code threads} platform threads, {@code operations / threads} each,
   * timed together. What a worker throws is thrown here, the others' suppressed under it.
   */
  static Result inThreads(String name, int threads, long operations, Worker worker)
      throws InterruptedException {
    long perThread = Math.max(1, operations / threads);
    List<Thread> workers = new ArrayList<>();
    long[] checksumErrors = new long[threads];
    RuntimeException[] failures = new RuntimeException[threads];
    long started = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers.add(
          Thread.ofPlatform()
              .name("omega-" + name + "-" + t)
              .start(
                  () -> {
                    try {
                      worker.run(id, perThread, checksumErrors);
                    } catch (RuntimeException e) {
                      failures[id] = e;
                    }
                  }));
    }
    for (Thread w : workers) {
      w.join();
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
        "unknown workload ["
            + name
            + "]; expected one of mixed, churn, binary-trees, cycles, "
            + ContractWorkload.NAME);
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

    /** This run's figures with {@code earlier}'s errors added: one count for both runs. */
    Result after(Result earlier) {
      return new Result(workload, threads, operations, nanos, errors + earlier.errors());
    }
  }
}
