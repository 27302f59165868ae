package dev.omega.mem.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of the garbage collector; the keys are those of {@code omega-mem.conf}.
 *
 * @param collectionStrategy {@code collection_strategy}: name of an installed collector
 * @param collectionThreshold {@code collection_threshold}: heap occupancy (above 0, at most 1) that
 *     triggers a collection
 * @param maxPauseTime {@code max_pause_time}: pause budget per step, 100 µs to 10 s
 * @param enableCycleDetection {@code enable_cycle_detection}: let reference counting find cycles
 * @param generationalCount {@code generational_count}: generations, 1 to 8
 * @param youngGenerationThreshold {@code young_generation_threshold}: objects allocated since the
 *     last young collection that trigger the next one (like CPython's {@code gc.set_threshold}), 1
 *     to 1,000,000,000
 * @param deterministic {@code deterministic}: run the heap in deterministic mode (see {@link
 *     dev.omega.mem.api.gc.ManagedHeap#deterministic()}): one mutator thread, collections decided
 *     by allocation counts and bytes only, step budgets counted in work instead of time, no
 *     background collection, and out of memory judged by the accounted size of the objects
 */
public record GarbageCollectorConfig(
    String collectionStrategy,
    double collectionThreshold,
    Duration maxPauseTime,
    boolean enableCycleDetection,
    int generationalCount,
    int youngGenerationThreshold,
    boolean deterministic) {

  public static final Duration MIN_PAUSE = Duration.ofNanos(100_000);
  public static final Duration MAX_PAUSE = Duration.ofSeconds(10);

  public GarbageCollectorConfig {
    List<ConfigProblem> problems = new ArrayList<>();
    if (collectionStrategy == null
        || !MemoryPoolConfig.NAME.matcher(collectionStrategy).matches()) {
      problems.add(
          new ConfigProblem(
              "collection_strategy",
              collectionStrategy,
              "a collector name such as reference-counting, generational, mark-sweep or"
                  + " incremental"));
    }
    if (!(collectionThreshold > 0 && collectionThreshold <= 1)) {
      problems.add(
          new ConfigProblem(
              "collection_threshold", collectionThreshold, "a fraction above 0 and at most 1"));
    }
    if (maxPauseTime == null
        || maxPauseTime.compareTo(MIN_PAUSE) < 0
        || maxPauseTime.compareTo(MAX_PAUSE) > 0) {
      problems.add(new ConfigProblem("max_pause_time", maxPauseTime, "from 100us to 10s"));
    }
    if (generationalCount < 1 || generationalCount > 8) {
      problems.add(new ConfigProblem("generational_count", generationalCount, "1 to 8"));
    }
    if (youngGenerationThreshold < 1 || youngGenerationThreshold > 1_000_000_000) {
      problems.add(
          new ConfigProblem(
              "young_generation_threshold", youngGenerationThreshold, "1 to 1000000000"));
    }
    ConfigurationException.throwIfAny(problems);
  }

  /**
   * Generational, collect at 80 % occupancy, 100 ms pauses, cycle detection on, 3 generations, a
   * young collection every 10,000 allocations.
   */
  public static GarbageCollectorConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .collectionStrategy(collectionStrategy)
        .collectionThreshold(collectionThreshold)
        .maxPauseTime(maxPauseTime)
        .enableCycleDetection(enableCycleDetection)
        .generationalCount(generationalCount)
        .youngGenerationThreshold(youngGenerationThreshold)
        .deterministic(deterministic);
  }

  /** Builder; {@link #build()} validates every field at once. */
  public static final class Builder {
    private String collectionStrategy = "generational";
    private double collectionThreshold = 0.8;
    private Duration maxPauseTime = Duration.ofMillis(100);
    private boolean enableCycleDetection = true;
    private int generationalCount = 3;
    private int youngGenerationThreshold = 10_000;
    private boolean deterministic;

    private Builder() {}

    public Builder collectionStrategy(String value) {
      this.collectionStrategy = value;
      return this;
    }

    public Builder collectionThreshold(double value) {
      this.collectionThreshold = value;
      return this;
    }

    public Builder maxPauseTime(Duration value) {
      this.maxPauseTime = value;
      return this;
    }

    public Builder enableCycleDetection(boolean value) {
      this.enableCycleDetection = value;
      return this;
    }

    public Builder generationalCount(int value) {
      this.generationalCount = value;
      return this;
    }

    public Builder youngGenerationThreshold(int value) {
      this.youngGenerationThreshold = value;
      return this;
    }

    public Builder deterministic(boolean value) {
      this.deterministic = value;
      return this;
    }

    public GarbageCollectorConfig build() {
      return new GarbageCollectorConfig(
          collectionStrategy,
          collectionThreshold,
          maxPauseTime,
          enableCycleDetection,
          generationalCount,
          youngGenerationThreshold,
          deterministic);
    }
  }
}
