package dev.omega.mem.bench;

import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.runtime.OmegaMemory;
import io.netty.util.ResourceLeakDetector;

/**
 * The systems every benchmark measures: Omega with a pool of a given size and the monitor off, and
 * Netty's pooled allocator; both with leak detection off.
 *
 * <p>Leak detection is set here for both, because their defaults differ: Omega's {@code
 * leak_detection} is off unless configured, while Netty's {@link ResourceLeakDetector} samples
 * (level SIMPLE) unless {@code io.netty.leakDetection.level} says otherwise, wrapping one buffer in
 * a hundred and more in a tracked leak. Left at the defaults, the Netty rows would pay for leak
 * tracking that the Omega rows do not. {@link #leakDetection} says what was set, for the output.
 */
final class BenchSystems {
  private BenchSystems() {}

  static final LeakDetectionLevel OMEGA_LEAK_DETECTION = LeakDetectionLevel.DISABLED;

  static final ResourceLeakDetector.Level NETTY_LEAK_DETECTION =
      ResourceLeakDetector.Level.DISABLED;

  static OmegaMemory.Builder builder(long poolBytes) {
    return OmegaMemory.builder()
        .pool(MemoryPoolConfig.builder().poolSize(poolBytes).build())
        .manager(MemoryManagerConfig.builder().leakDetection(OMEGA_LEAK_DETECTION).build())
        .monitor(PerformanceMonitorConfig.builder().enableRealTimeMonitoring(false).build());
  }

  /**
   * Sets Netty's leak detector to {@link #NETTY_LEAK_DETECTION}: a JVM-wide setting, which Netty's
   * allocators read at each allocation, so it is called before any Netty buffer is allocated.
   */
  static void configureNettyLeakDetection() {
    ResourceLeakDetector.setLevel(NETTY_LEAK_DETECTION);
  }

  /** How both are configured, as the output prints it. */
  static String leakDetection() {
    return "leak detection off for both: Omega leak_detection = "
        + OMEGA_LEAK_DETECTION
        + "; Netty ResourceLeakDetector level = "
        + NETTY_LEAK_DETECTION
        + " (set by the benchmarks; Netty's own default is SIMPLE, which samples)";
  }
}
