package dev.omega.mem.bench;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Churn throughput with more threads than CPUs, measured as a plain loop: total operations over the
 * wall time between one start signal and one stop signal.
 *
 * <p>Why not JMH: with 256 threads on 2 CPUs, JMH's average time per operation is averaged over
 * threads, so a few threads the scheduler starved for a whole iteration decide it (the same code
 * scored 0.00 and 0.69 of the 2-thread figure in two runs), and its summed throughput counts each
 * thread over its own window, which overlapping windows inflate (it printed 4× the 2-thread total
 * on 2 CPUs). Here both thread counts run the same loop, so their ratio compares like with like.
 */
final class ManyThreads {
  private ManyThreads() {}

  /** Operations per second, all threads together, of {@link ChurnBenchmark#step} churn. */
  static double opsPerSecond(int threads, long measureMillis) throws InterruptedException {
    try (OmegaMemory omega = BenchSystems.builder(1L << 30).build()) {
      MemoryManager manager = omega.memoryManager();
      CountDownLatch filled = new CountDownLatch(threads);
      CountDownLatch start = new CountDownLatch(1);
      AtomicLong operations = new AtomicLong();
      List<Thread> workers = new ArrayList<>();
      CountDownLatch stop = new CountDownLatch(1);
      for (int t = 0; t < threads; t++) {
        long seed0 = System.nanoTime() * (t + 1) | 1;
        Thread worker =
            Thread.ofPlatform()
                .start(
                    () -> {
                      MemoryBlock[] slots = new MemoryBlock[ChurnBenchmark.SLOTS];
                      long seed = seed0;
                      for (int i = 0; i < slots.length; i++) {
                        seed = ChurnBenchmark.xorshift(seed);
                        slots[i] = manager.allocate(16 + (seed >>> 33) % 1009);
                      }
                      filled.countDown();
                      try {
                        start.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      long n = 0;
                      while (stop.getCount() != 0) {
                        for (int k = 0; k < 64; k++) {
                          seed = ChurnBenchmark.xorshift(seed);
                          ChurnBenchmark.step(manager, slots, (int) (seed >>> 33));
                        }
                        n += 64;
                      }
                      operations.addAndGet(n);
                      for (MemoryBlock block : slots) {
                        manager.deallocate(block);
                      }
                    });
        workers.add(worker);
      }
      filled.await();
      long started = System.nanoTime();
      start.countDown();
      Thread.sleep(measureMillis);
      stop.countDown();
      long elapsed = System.nanoTime() - started;
      for (Thread worker : workers) {
        worker.join();
      }
      return operations.get() * 1e9 / elapsed;
    }
  }
}
