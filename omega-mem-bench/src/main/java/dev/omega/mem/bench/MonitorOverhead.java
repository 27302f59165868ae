package dev.omega.mem.bench;

import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import dev.omega.mem.runtime.OmegaMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What monitoring costs the allocation path (DESIGN §5: under 5 % when on, nothing when off),
 * measured in pairs on one system.
 *
 * <p>Design note. The workload is a ring of 256 blocks of 16..271 bytes, one freed and one
 * allocated (and written) per operation. A JMH benchmark with monitoring as a parameter runs each
 * setting in forks of its own, and once forks start on shifted heap layouts ({@link HeapLayout})
 * the spread between forks is larger than the 5 % to be judged: two builds with the same monitoring
 * code came out on either side of it. So here one system, built after a layout shift, runs in
 * rounds of three timed phases: the monitor stopped, the monitor running (sampling every 100 ms,
 * its listener registered), and an empty listener only (the manager's sampled timing without the
 * monitor's work). The phases of a round share the layout, the JIT's code and the machine's state
 * of the moment, so their ratios are the monitoring cost alone; the figure is the median ratio over
 * the rounds of several systems, each on its own layout.
 *
 * <p>Order. Each round runs its three phases in an order drawn from a seeded random sequence, so no
 * setting always runs first (on a cache or a clock speed the phase before it left) or always after
 * the monitor's sampler thread has run; the seed is part of the {@link Figure}, so a run can be
 * repeated order for order.
 *
 * <p>Not thread-safe: one measuring thread, plus the monitor's own sampler.
 */
final class MonitorOverhead {
  private MonitorOverhead() {}

  /**
   * @param offNanos median ns per operation with the monitor stopped
   * @param onRatio median of (monitor running / stopped) over the rounds
   * @param listenerRatio median of (empty listener only / stopped) over the rounds
   * @param lowOnRatio lowest round's on/off ratio
   * @param highOnRatio highest round's on/off ratio
   * @param rounds rounds measured, over all systems
   * @param seed the seed of the phase orders
   * @param stoppedFirst rounds that ran the stopped phase first (of {@code rounds})
   */
  record Figure(
      double offNanos,
      double onRatio,
      double listenerRatio,
      double lowOnRatio,
      double highOnRatio,
      int rounds,
      long seed,
      int stoppedFirst) {}

  /** The three settings a round times. */
  enum Setting {
    STOPPED,
    RUNNING,
    LISTENER
  }

  private static final int RING = 256;

  /** Where results go, so the JIT cannot drop the work. */
  static volatile long sink;

  static Figure measure(int systems, int roundsPerSystem, Duration phase, long seed) {
    SplittableRandom orders = new SplittableRandom(seed);
    List<Double> off = new ArrayList<>();
    List<Double> onRatios = new ArrayList<>();
    List<Double> listenerRatios = new ArrayList<>();
    int stoppedFirst = 0;
    for (int s = 0; s < systems; s++) {
      HeapLayout.shift();
      try (OmegaMemory omega =
          BenchSystems.builder(64L << 20)
              .monitor(
                  PerformanceMonitorConfig.builder()
                      .enableRealTimeMonitoring(false)
                      .metricsCollectionInterval(Duration.ofMillis(100))
                      .build())
              .build()) {
        MemoryManager manager = omega.memoryManager();
        PerformanceMonitor monitor = omega.monitor();
        AllocationListener empty = new AllocationListener() {};
        HeapLayout.shift();
        MemoryBlock[] ring = new MemoryBlock[RING];
        for (int i = 0; i < RING; i++) {
          ring[i] = manager.allocate(16 + i);
        }
        // Warm-up: every setting, so the compiled path is the one all three phases run.
        for (int w = 0; w < (s == 0 ? 6 : 1); w++) {
          for (Setting setting : Setting.values()) {
            phase(setting, manager, monitor, empty, ring, phase.toNanos());
          }
        }
        for (int r = 0; r < roundsPerSystem; r++) {
          Setting[] order = shuffled(orders);
          double[] nanos = new double[Setting.values().length];
          for (Setting setting : order) {
            nanos[setting.ordinal()] =
                phase(setting, manager, monitor, empty, ring, phase.toNanos());
          }
          double stopped = nanos[Setting.STOPPED.ordinal()];
          off.add(stopped);
          onRatios.add(nanos[Setting.RUNNING.ordinal()] / stopped);
          listenerRatios.add(nanos[Setting.LISTENER.ordinal()] / stopped);
          stoppedFirst += order[0] == Setting.STOPPED ? 1 : 0;
        }
        for (MemoryBlock block : ring) {
          manager.deallocate(block);
        }
      }
    }
    List<Double> sorted = onRatios.stream().sorted().toList();
    return new Figure(
        median(off),
        median(onRatios),
        median(listenerRatios),
        sorted.getFirst(),
        sorted.getLast(),
        onRatios.size(),
        seed,
        stoppedFirst);
  }

  /** The settings in a random order (Fisher-Yates). */
  static Setting[] shuffled(SplittableRandom random) {
    Setting[] order = Setting.values();
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Setting swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  /** Times one phase of {@code setting}; returns ns per operation. */
  private static double phase(
      Setting setting,
      MemoryManager manager,
      PerformanceMonitor monitor,
      AllocationListener empty,
      MemoryBlock[] ring,
      long nanos) {
    switch (setting) {
      case STOPPED -> {
        return churn(manager, ring, nanos);
      }
      case RUNNING -> {
        monitor.startMonitoring();
        try {
          return churn(manager, ring, nanos);
        } finally {
          monitor.stopMonitoring();
        }
      }
      case LISTENER -> {
        manager.addAllocationListener(empty);
        try {
          return churn(manager, ring, nanos);
        } finally {
          manager.removeAllocationListener(empty);
        }
      }
      default -> throw new AssertionError(setting);
    }
  }

  /** Runs the churn for about {@code nanos}; returns ns per operation. */
  private static double churn(MemoryManager manager, MemoryBlock[] ring, long nanos) {
    long started = System.nanoTime();
    long deadline = started + nanos;
    long operations = 0;
    long sum = 0;
    int at = 0;
    long now;
    do {
      for (int k = 0; k < 1024; k++) {
        at = (at + 1) & (RING - 1);
        manager.deallocate(ring[at]);
        MemoryBlock block = manager.allocate(16 + at);
        ring[at] = block;
        block.setLong(0, at);
        sum += block.getLong(0);
      }
      operations += 1024;
      now = System.nanoTime();
    } while (now < deadline);
    sink = sum;
    return (double) (now - started) / operations;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
