package dev.omega.mem.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the two grace-period mechanisms the pool does not use would cost (README, "Safety under
 * concurrency"): closing a shared arena whose segment accessing threads use (the JDK's handshake),
 * and Linux's {@code membarrier(PRIVATE_EXPEDITED)}, each with 0, 1 and 16 other threads busy.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp omega-mem-bench/target/benchmarks.jar \
 *       dev.omega.mem.bench.GracePeriodAlternatives
 * </pre>
 */
public final class GracePeriodAlternatives {
  private static final long MEMBARRIER_X86_64 = 324;
  private static final int MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
  private static final int MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

  private static volatile MemorySegment view;

  private GracePeriodAlternatives() {}

  public static void main(String[] args) throws Throwable {
    for (int threads : new int[] {0, 1, 16}) {
      System.out.printf(
          "%2d busy threads: shared-arena close %9.1f us, membarrier %6.2f us%n",
          threads, arenaClose(threads), membarrier(threads));
    }
  }

  /** Mean microseconds per close of a shared arena that {@code threads} threads keep writing. */
  @SuppressWarnings("restricted") // a view of the whole address space, as the pool's direct mode
  private static double arenaClose(int threads) throws InterruptedException {
    long base = Arena.ofAuto().allocate(1 << 20, 4096).address();
    Arena arena = Arena.ofShared();
    view = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, arena, null);
    AtomicBoolean stop = new AtomicBoolean();
    Thread[] busy = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      long at = base + 8L * i;
      busy[i] =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    long n = 0;
                    while (!stop.get()) {
                      try {
                        view.set(ValueLayout.JAVA_LONG_UNALIGNED, at, n++);
                      } catch (IllegalStateException closed) {
                        // the close caught this write: the next one uses the new view
                      }
                    }
                  });
    }
    Thread.sleep(300);
    int closes = threads > 1 ? 20 : 500;
    long started = System.nanoTime();
    for (int i = 0; i < closes; i++) {
      Arena next = Arena.ofShared();
      Arena old = arena;
      arena = next;
      view = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, next, null);
      old.close();
    }
    double micros = (System.nanoTime() - started) / 1e3 / closes;
    stop.set(true);
    for (Thread t : busy) {
      t.join();
    }
    return micros;
  }

  /** Mean microseconds per {@code membarrier} call while {@code threads} threads spin. */
  private static double membarrier(int threads) throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle syscall =
        linker.downcallHandle(
            linker.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(
                ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(1));
    long registered =
        (long)
            syscall.invokeExact(MEMBARRIER_X86_64, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
    if (registered != 0) {
      throw new IllegalStateException("membarrier registration failed: " + registered);
    }
    AtomicBoolean stop = new AtomicBoolean();
    Thread[] busy = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      busy[i] =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    while (!stop.get()) {
                      Thread.onSpinWait();
                    }
                  });
    }
    Thread.sleep(100);
    int calls = 20_000;
    long started = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long result =
          (long) syscall.invokeExact(MEMBARRIER_X86_64, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
      if (result != 0) {
        throw new IllegalStateException("membarrier failed: " + result);
      }
    }
    double micros = (System.nanoTime() - started) / 1e3 / calls;
    stop.set(true);
    for (Thread t : busy) {
      t.join();
    }
    return micros;
  }
}
