package dev.omega.mem.bench;

import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.runtime.OmegaMemory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What building a system costs: the time of {@code OmegaMemory.create()} and the resident memory it
 * takes, with direct pool memory (a mapping committed as it is first touched) and with checked
 * memory (a shared arena, which the JDK zeroes when it is allocated), and what {@code pre_touch}
 * adds per MiB of pool.
 *
 * <p>Each figure is a median over several systems built one after another in this JVM, after
 * warm-up builds (the first loads and links the classes of Guice, the runtime and every module,
 * which only a program's first system pays). A system is closed before the next is built, and
 * closing gives its pages back at once, so each resident figure is that system's alone. The
 * resident figures need a Java heap committed and touched at start-up, as for {@link
 * MemoryPerBlock}; without one they are NaN.
 *
 * <p>Not thread-safe; nothing else should run while it measures.
 */
final class StartupFigures {
  private StartupFigures() {}

  static final long MIB = 1L << 20;

  /** The system property that chooses direct or checked pool memory (PoolMemory reads it). */
  static final String DIRECT_ACCESS = "omega.mem.directAccess";

  /**
   * Medians over the measured builds.
   *
   * @param millis median time to build, in ms
   * @param minMillis fastest build
   * @param maxMillis slowest build
   * @param residentMib median growth of resident memory while the system was open, in MiB
   */
  record Build(double millis, double minMillis, double maxMillis, double residentMib) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "%8.1f ms (%.1f..%.1f), resident %s",
          millis,
          minMillis,
          maxMillis,
          Double.isNaN(residentMib) ? "-" : String.format(Locale.ROOT, "%.1f MiB", residentMib));
    }
  }

  /**
   * Builds {@code warmups + runs} systems with {@code build}, each closed before the next, and
   * returns the medians of the last {@code runs}.
   */
  static Build measure(Supplier<OmegaMemory> build, int warmups, int runs) {
    double[] millis = new double[runs];
    double[] resident = new double[runs];
    boolean residentMeaningful = MemoryPerBlock.whyNoNativeFigure().isEmpty();
    for (int i = 0; i < warmups + runs; i++) {
      System.gc();
      long residentBefore = MemoryPerBlock.residentBytes();
      long started = System.nanoTime();
      OmegaMemory omega = build.get();
      long elapsed = System.nanoTime() - started;
      long residentAfter = MemoryPerBlock.residentBytes();
      omega.close();
      if (i >= warmups) {
        millis[i - warmups] = elapsed / 1e6;
        resident[i - warmups] =
            residentMeaningful ? (residentAfter - residentBefore) / (double) MIB : Double.NaN;
      }
    }
    return new Build(
        CollectorFigures.median(millis),
        Arrays.stream(millis).min().orElseThrow(),
        Arrays.stream(millis).max().orElseThrow(),
        CollectorFigures.median(resident));
  }

  /** {@code OmegaMemory.create()}, with direct pool memory or checked ({@link #withPoolMemory}). */
  static Build create(boolean direct, int warmups, int runs) {
    return measure(() -> withPoolMemory(direct, OmegaMemory::create), warmups, runs);
  }

  /** A system on the defaults but for a pool of {@code poolBytes} with {@code pre_touch} set. */
  static Build preTouched(long poolBytes, int warmups, int runs) {
    return measure(
        () ->
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(poolBytes).preTouch(true).build())
                .build(),
        warmups,
        runs);
  }

  /**
   * Why pools cannot have direct memory in this JVM (the conditions of {@code PoolMemory}), or
   * empty when they can.
   */
  static Optional<String> whyNoDirectMemory() {
    String os = System.getProperty("os.name", "");
    String arch = System.getProperty("os.arch", "");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")
        || !(arch.equals("amd64") || arch.equals("aarch64"))) {
      return Optional.of(
          "direct pool memory needs Linux on amd64 or aarch64, not " + os + " " + arch);
    }
    if (!StartupFigures.class.getModule().isNativeAccessEnabled()) {
      return Optional.of(
          "direct pool memory needs native access: start the JVM with"
              + " --enable-native-access=ALL-UNNAMED");
    }
    return Optional.empty();
  }

  /**
   * Runs {@code build} with pool memory direct or checked ({@code -Domega.mem.directAccess}, read
   * when a pool is built), then puts the property back as it was.
   */
  static <T> T withPoolMemory(boolean direct, Supplier<T> build) {
    String before = System.setProperty(DIRECT_ACCESS, Boolean.toString(direct));
    try {
      return build.get();
    } finally {
      if (before == null) {
        System.clearProperty(DIRECT_ACCESS);
      } else {
        System.setProperty(DIRECT_ACCESS, before);
      }
    }
  }
}
