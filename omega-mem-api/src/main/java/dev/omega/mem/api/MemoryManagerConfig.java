package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of the {@link MemoryManager} (the {@code manager} section of {@code
 * omega-mem.conf}).
 *
 * @param leakDetection {@code leak_detection}: how closely dropped blocks are watched
 * @param leakSamplingInterval {@code leak_sampling_interval}: with SAMPLED, one block in this many
 *     is tracked (1 to 1,000,000)
 * @param reclaimLeaks {@code reclaim_leaks}: free the memory of blocks found leaked
 * @param criticalReserveFraction {@code critical_reserve}: share of the pool only CRITICAL requests
 *     may use, 0 to 0.5
 * @param pressureLevels {@code pressure_levels}: usage fractions (0 to 1, ascending) at which
 *     pressure listeners are told
 * @param fallbackEnabled {@code fallback_enabled}: serve sizes the pool cannot from a dedicated
 *     segment; off by default so that {@code pool_size} is a promise
 * @param fallbackLimit {@code fallback_limit}: most bytes held in fallback segments at once
 * @param threadCacheBlocks {@code thread_cache_blocks}: blocks per size class a thread may keep (0
 *     turns thread caches off)
 */
public record MemoryManagerConfig(
    LeakDetectionLevel leakDetection,
    int leakSamplingInterval,
    boolean reclaimLeaks,
    double criticalReserveFraction,
    List<Double> pressureLevels,
    boolean fallbackEnabled,
    long fallbackLimit,
    int threadCacheBlocks) {

  public MemoryManagerConfig {
    List<ConfigProblem> problems = new ArrayList<>();
    if (leakDetection == null) {
      problems.add(new ConfigProblem("leak_detection", null, "one of DISABLED, SAMPLED, FULL"));
    }
    if (leakSamplingInterval < 1 || leakSamplingInterval > 1_000_000) {
      problems.add(
          new ConfigProblem("leak_sampling_interval", leakSamplingInterval, "1 to 1000000"));
    }
    if (!(criticalReserveFraction >= 0 && criticalReserveFraction <= 0.5)) {
      problems.add(
          new ConfigProblem(
              "critical_reserve", criticalReserveFraction, "a fraction from 0 to 0.5"));
    }
    if (pressureLevels == null) {
      problems.add(new ConfigProblem("pressure_levels", null, "a list of fractions"));
      pressureLevels = List.of();
    } else {
      // Checked before the copy: List.copyOf throws a bare NullPointerException on a null level.
      double previous = 0;
      boolean ascending = true;
      for (Double level : pressureLevels) {
        if (level == null || !(level > previous && level <= 1)) {
          problems.add(
              new ConfigProblem(
                  "pressure_levels", pressureLevels, "ascending fractions above 0 and at most 1"));
          ascending = false;
          break;
        }
        previous = level;
      }
      if (ascending) {
        pressureLevels = List.copyOf(pressureLevels);
      }
    }
    if (fallbackLimit < 0) {
      problems.add(new ConfigProblem("fallback_limit", fallbackLimit, "zero or more bytes"));
    }
    if (threadCacheBlocks < 0 || threadCacheBlocks > 4096) {
      problems.add(new ConfigProblem("thread_cache_blocks", threadCacheBlocks, "0 to 4096"));
    }
    ConfigurationException.throwIfAny(problems);
  }

  /**
   * Leak detection off, 5 % CRITICAL reserve, pressure levels 70/85/95 %, no fallback, 64 cached
   * blocks per class per thread.
   */
  public static MemoryManagerConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .leakDetection(leakDetection)
        .leakSamplingInterval(leakSamplingInterval)
        .reclaimLeaks(reclaimLeaks)
        .criticalReserveFraction(criticalReserveFraction)
        .pressureLevels(pressureLevels)
        .fallbackEnabled(fallbackEnabled)
        .fallbackLimit(fallbackLimit)
        .threadCacheBlocks(threadCacheBlocks);
  }

  /** Builder; {@link #build()} validates every field at once. */
  public static final class Builder {
    private LeakDetectionLevel leakDetection = LeakDetectionLevel.DISABLED;
    private int leakSamplingInterval = 128;
    private boolean reclaimLeaks = true;
    private double criticalReserveFraction = 0.05;
    private List<Double> pressureLevels = List.of(0.70, 0.85, 0.95);
    private boolean fallbackEnabled = false;
    private long fallbackLimit = 0;
    private int threadCacheBlocks = 64;

    private Builder() {}

    public Builder leakDetection(LeakDetectionLevel value) {
      this.leakDetection = value;
      return this;
    }

    public Builder leakSamplingInterval(int value) {
      this.leakSamplingInterval = value;
      return this;
    }

    public Builder reclaimLeaks(boolean value) {
      this.reclaimLeaks = value;
      return this;
    }

    public Builder criticalReserveFraction(double value) {
      this.criticalReserveFraction = value;
      return this;
    }

    public Builder pressureLevels(List<Double> value) {
      this.pressureLevels = value;
      return this;
    }

    public Builder fallbackEnabled(boolean value) {
      this.fallbackEnabled = value;
      return this;
    }

    public Builder fallbackLimit(long value) {
      this.fallbackLimit = value;
      return this;
    }

    public Builder threadCacheBlocks(int value) {
      this.threadCacheBlocks = value;
      return this;
    }

    public MemoryManagerConfig build() {
      return new MemoryManagerConfig(
          leakDetection,
          leakSamplingInterval,
          reclaimLeaks,
          criticalReserveFraction,
          pressureLevels,
          fallbackEnabled,
          fallbackLimit,
          threadCacheBlocks);
    }
  }
}
