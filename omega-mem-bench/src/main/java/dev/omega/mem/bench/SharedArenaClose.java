package dev.omega.mem.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The time of {@code Arena.close()} on a shared arena while threads read its memory: the JDK's own
 * way to make a free safe against racing accesses, which the pool's grace period ({@code
 * AccessGuard}) was chosen over. The close stops every thread in a handshake and deoptimizes each
 * one it finds inside an access to the arena's memory, so its time grows with the threads that
 * access; reclamation needs thousands of grace periods a second.
 *
 * <p>Each close is of a new arena whose segment {@code threads} threads are reading in a loop (they
 * stop at the first read the close refuses); the figure is the median over several closes after a
 * warm-up close, so the readers' loop is compiled, as a program's accesses would be.
 *
 * <p>Not thread-safe: one measuring thread, plus the readers it starts.
 */
final class SharedArenaClose {
  private SharedArenaClose() {}

  /** Where the readers' sums go, so the JIT cannot drop the reads. */
  static volatile long sink;

  /**
   * Milliseconds per close with {@code threads} reading threads: {@link CollectorFigures.Timings}
   * of the first close and of {@code runs} after {@code warmups} more.
   */
  static CollectorFigures.Timings closeMillis(int threads, int warmups, int runs)
      throws InterruptedException {
    double[] times = new double[1 + warmups + runs];
    for (int run = 0; run < times.length; run++) {
      times[run] = closeOnce(threads);
    }
    return CollectorFigures.Timings.of(times, warmups);
  }

  private static double closeOnce(int threads) throws InterruptedException {
    Arena arena = Arena.ofShared();
    MemorySegment segment = arena.allocate(4096, 8);
    CountDownLatch reading = new CountDownLatch(threads);
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      readers.add(Thread.ofPlatform().start(() -> read(segment, reading)));
    }
    reading.await();
    // Long enough for every reader to be in its loop, and for the loop to be compiled after the
    // warm-up close.
    Thread.sleep(50);
    long started = System.nanoTime();
    arena.close();
    double millis = (System.nanoTime() - started) / 1e6;
    for (Thread reader : readers) {
      reader.join();
    }
    return millis;
  }

  private static void read(MemorySegment segment, CountDownLatch reading) {
    long sum = 0;
    long reads = 0;
    try {
      while (true) {
        sum += segment.getAtIndex(ValueLayout.JAVA_LONG, reads & 511);
        if (++reads == 1000) {
          reading.countDown();
        }
      }
    } catch (IllegalStateException closed) {
      if (reads < 1000) {
        reading.countDown();
      }
    }
    sink = sum;
  }
}
