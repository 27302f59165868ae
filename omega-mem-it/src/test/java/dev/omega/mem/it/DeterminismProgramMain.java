package dev.omega.mem.it;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.DeterministicProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A program for {@code DeterminismIT} to run in a JVM of its own: for each collector named, it
 * builds a system through the runtime ({@link #system}), runs {@link DeterministicProgram} on its
 * heap in each of two shapes and writes the traces to {@code DIR/trace-COLLECTOR-SHAPE.txt}: {@code
 * short}, {@value #SHORT_STEPS} steps with garbage chains of up to {@value #SHORT_CHAIN} objects,
 * and {@code long}, {@value #LONG_STEPS} steps with chains of up to {@value #LONG_CHAIN}, which
 * give collections enough to sweep and mark that their bounded steps stop part-way. With {@code
 * busy N > 0}, N other threads allocate and free blocks through the same system's memory manager
 * the whole time the program runs (they share its pool with the heap), and the program prints how
 * many blocks they allocated meanwhile as {@code busy COLLECTOR ALLOCATIONS}, so the test knows
 * they ran.
 *
 * <p>Arguments: {@code DIR SEED BUSY POOL_BYTES COLLECTOR...}.
 */
public final class DeterminismProgramMain {
  static final int SHORT_STEPS = 8_000;
  static final int SHORT_CHAIN = 40;
  static final int LONG_STEPS = 3_000;
  static final int LONG_CHAIN = 3_000;

  /** Blocks each busy thread holds at once. */
  private static final int BUSY_WINDOW = 64;

  /** The largest block a busy thread allocates. */
  private static final int BUSY_MAX_BYTES = 1024;

  private DeterminismProgramMain() {}

  /** The same system in both JVMs: only the threads around it and the pool's memory differ. */
  static OmegaMemory system(String collector, long poolBytes) {
    return OmegaMemory.builder()
        .pool(MemoryPoolConfig.builder().poolSize(poolBytes).build())
        .garbageCollector(
            GarbageCollectorConfig.builder()
                .collectionStrategy(collector)
                // The shortest step budget: collection steps stop after the fewest batches of
                // work, so a step that measured time instead would stop elsewhere.
                .maxPauseTime(GarbageCollectorConfig.MIN_PAUSE)
                .deterministic(true)
                .build())
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    int busy = Integer.parseInt(args[2]);
    long poolBytes = Long.parseLong(args[3]);
    for (int i = 4; i < args.length; i++) {
      runBoth(dir, args[i], seed, busy, poolBytes);
    }
  }

  private static void runBoth(Path dir, String collector, long seed, int busy, long poolBytes)
      throws Exception {
    for (String shape : List.of("short", "long")) {
      try (OmegaMemory omega = system(collector, poolBytes)) {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong allocations = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(busy);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < busy; t++) {
          long threadSeed = t;
          threads.add(
              Thread.ofPlatform()
                  .name("busy-" + t)
                  .uncaughtExceptionHandler((thread, e) -> failure.compareAndSet(null, e))
                  .start(
                      () ->
                          churn(
                              omega.memoryManager(),
                              new SplittableRandom(threadSeed),
                              stop,
                              allocations,
                              running)));
        }
        running.await();
        long before = allocations.get();
        List<String> trace =
            shape.equals("short")
                ? DeterministicProgram.run(omega.heap(), seed, SHORT_STEPS, SHORT_CHAIN)
                : DeterministicProgram.run(omega.heap(), seed, LONG_STEPS, LONG_CHAIN);
        long during = allocations.get() - before;
        stop.set(true);
        for (Thread t : threads) {
          t.join();
        }
        if (failure.get() != null) {
          throw new AssertionError("a busy thread failed beside " + collector, failure.get());
        }
        write(dir.resolve("trace-" + collector + "-" + shape + ".txt"), trace);
        if (busy > 0) {
          System.out.println("busy " + collector + " " + shape + " " + during);
        }
      }
    }
  }

  /** Frees one block and allocates one of 16 B..1 KiB, round and round, until told to stop. */
  private static void churn(
      MemoryManager manager,
      SplittableRandom random,
      AtomicBoolean stop,
      AtomicLong allocations,
      CountDownLatch running) {
    MemoryBlock[] held = new MemoryBlock[BUSY_WINDOW];
    boolean counted = false;
    try {
      for (long n = 0; !stop.get(); n++) {
        int i = random.nextInt(held.length);
        if (held[i] != null) {
          manager.deallocate(held[i]);
          held[i] = null;
        }
        held[i] = manager.allocate(16 + random.nextInt(BUSY_MAX_BYTES - 15));
        held[i].setLong(0, n);
        allocations.incrementAndGet();
        if (n == BUSY_WINDOW) {
          running.countDown();
          counted = true;
        }
      }
    } finally {
      if (!counted) {
        running.countDown(); // a thread that failed early must not hold the program up
      }
      for (MemoryBlock block : held) {
        if (block != null) {
          manager.deallocate(block);
        }
      }
    }
  }

  private static void write(Path file, List<String> trace) throws IOException {
    Files.write(file, trace, StandardCharsets.UTF_8);
  }
}
