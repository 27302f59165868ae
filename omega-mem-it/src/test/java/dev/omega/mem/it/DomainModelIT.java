package dev.omega.mem.it;

import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Model-based testing of a domain's quota under concurrency: jqwik generates one program per thread
 * (allocate a size, free one of the blocks the threads share, close the domain), the threads run
 * them at once, and a model of the quota judges the result. The model knows what each size reserves
 * (measured once on a quiet domain, where the change in {@code usedBytes()} is exact), so at every
 * point a thread looks, {@code usedBytes()} must lie in {@code [0, quota]}, and at the end the
 * domain must hold exactly the sum of what its live blocks reserved, and nothing after it closes.
 * On one thread the model is exact: after every operation {@code usedBytes()} equals the model's
 * count, and an allocation is refused exactly when the model says it cannot fit. A failing program
 * is shrunk by jqwik.
 */
@Tag("concurrent_access")
class DomainModelIT {
  private static final long QUOTA = 48 * 1024;
  private static final int THREADS = 4;

  private static OmegaMemory omega;
  private static MemoryManager manager;
  private static final Map<Integer, Long> RESERVES = new HashMap<>();
  private static int domains;

  sealed interface Op {}

  record Allocate(int size) implements Op {}

  record Free() implements Op {}

  record Close() implements Op {}

  @BeforeContainer
  static void start() {
    omega =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(32L << 20).build())
            .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build())
            .build();
    manager = omega.memoryManager();
  }

  @AfterContainer
  static void stop() {
    omega.close();
  }

  /** What a block of {@code size} reserves, from a quiet domain of its own (cached per size). */
  private static synchronized long reserveOf(int size) {
    return RESERVES.computeIfAbsent(
        size,
        s -> {
          try (MemoryDomain probe =
              manager.createDomain(DomainConfig.unlimited("probe-" + domains++))) {
            MemoryBlock b = probe.allocate(s);
            long reserved = probe.usedBytes();
            probe.deallocate(b);
            if (probe.usedBytes() != 0) {
              throw new AssertionError("a quiet free gave back other than it reserved");
            }
            return reserved;
          }
        });
  }

  @Provide
  Arbitrary<List<List<Op>>> programs() {
    Arbitrary<Op> op =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(
                6,
                Arbitraries.oneOf(
                        Arbitraries.integers().between(1, 2_000),
                        Arbitraries.integers().between(16_385, 20_000))
                    .map(Allocate::new)),
            net.jqwik.api.Tuple.of(4, Arbitraries.just(new Free())),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Close())));
    return op.list().ofMinSize(1).ofMaxSize(60).list().ofSize(THREADS);
  }

  @Property(tries = 40, seed = "20261207")
  void quota_underConcurrentPrograms_matchesTheModel(@ForAll("programs") List<List<Op>> programs)
      throws Exception {
    MemoryDomain domain =
        manager.createDomain(DomainConfig.unlimited("model-" + domains++).withMaxBytes(QUOTA));
    // Reserve sizes first, on this thread, so no probe runs while the program threads do.
    for (List<Op> program : programs) {
      for (Op op : program) {
        if (op instanceof Allocate a) {
          reserveOf(a.size());
        }
      }
    }
    ConcurrentLinkedQueue<MemoryBlock> shared = new ConcurrentLinkedQueue<>();
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    Map<MemoryBlock, Integer> sizes =
        Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    CyclicBarrier start = new CyclicBarrier(THREADS);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (List<Op> program : programs) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                      run(program, domain, shared, sizes, violations);
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError("a program thread failed", failure.get());
    }
    long live = 0;
    long blocks = 0;
    for (MemoryBlock b : shared) {
      if (domain.owns(b)) {
        live += reserveOf(sizes.get(b));
        blocks++;
      }
    }
    if (domain.usedBytes() != live || domain.blockCount() != blocks) {
      violations.add(
          "at the end the domain holds "
              + domain.usedBytes()
              + " bytes in "
              + domain.blockCount()
              + " blocks; its live blocks reserved "
              + live
              + " bytes in "
              + blocks);
    }
    domain.close();
    if (domain.usedBytes() != 0 || domain.blockCount() != 0) {
      violations.add("after close the domain still holds " + domain.usedBytes() + " bytes");
    }
    SuiteTally.OPERATIONS.add(programs.stream().mapToLong(List::size).sum());
    if (!violations.isEmpty()) {
      throw new AssertionError(String.join("\n", violations));
    }
  }

  @Provide
  Arbitrary<List<Op>> program() {
    return programs().map(all -> all.get(0));
  }

  @Property(tries = 60, seed = "1207")
  void quota_onOneThread_isExactlyTheModel(@ForAll("program") List<Op> program) {
    MemoryDomain domain =
        manager.createDomain(DomainConfig.unlimited("exact-" + domains++).withMaxBytes(QUOTA));
    List<MemoryBlock> live = new ArrayList<>();
    List<Long> reserved = new ArrayList<>();
    long model = 0;
    boolean closed = false;
    for (Op op : program) {
      switch (op) {
        case Allocate a -> {
          long r = reserveOf(a.size());
          boolean fits = !closed && model + r <= QUOTA;
          try {
            live.add(domain.allocate(a.size()));
            reserved.add(r);
            model += r;
            if (!fits) {
              throw new AssertionError("allocated " + a.size() + " past the quota: " + model);
            }
          } catch (QuotaExceededException | IllegalStateException e) {
            if (fits) {
              throw new AssertionError("refused " + a.size() + " bytes that fit: " + e, e);
            }
          }
        }
        case Free f -> {
          if (!live.isEmpty()) {
            domain.deallocate(live.remove(0));
            model -= reserved.remove(0);
          }
        }
        case Close c -> {
          domain.close();
          closed = true;
          live.clear();
          reserved.clear();
          model = 0;
        }
      }
      if (domain.usedBytes() != model || domain.blockCount() != live.size()) {
        throw new AssertionError(
            "after " + op + " the domain holds " + domain.usedBytes() + ", the model " + model);
      }
    }
    domain.close();
  }

  private static void run(
      List<Op> program,
      MemoryDomain domain,
      ConcurrentLinkedQueue<MemoryBlock> shared,
      Map<MemoryBlock, Integer> sizes,
      List<String> violations) {
    for (Op op : program) {
      long used = domain.usedBytes();
      if (used < 0 || used > QUOTA) {
        violations.add("usedBytes() read " + used + ", outside [0, " + QUOTA + "]");
      }
      try {
        switch (op) {
          case Allocate a -> {
            MemoryBlock b = domain.allocate(a.size());
            sizes.put(b, a.size());
            shared.add(b);
          }
          case Free f -> {
            MemoryBlock b = shared.poll();
            if (b != null) {
              try {
                domain.deallocate(b);
              } catch (DoubleFreeException e) {
                // close() freed it first: the block is not counted twice, which the end checks
              }
            }
          }
          case Close c -> domain.close();
        }
      } catch (QuotaExceededException e) {
        // Under concurrency the model cannot know what the others held at that instant; the
        // sequential property checks each refusal exactly.
      } catch (IllegalStateException e) {
        // the domain was closed by a program: every later allocation is refused
      }
    }
  }
}
