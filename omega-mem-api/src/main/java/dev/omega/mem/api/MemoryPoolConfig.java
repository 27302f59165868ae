package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Configuration of one {@link MemoryPool}; the keys are those of {@code omega-mem.conf}.
 *
 * @param poolSize {@code pool_size}: bytes in the region, a multiple of {@code block_size}
 * @param blockSize {@code block_size}: bytes per page, a power of two from 512 to 1 MiB
 * @param allocationStrategy {@code allocation_strategy}: name of an installed strategy
 * @param enableCompaction {@code enable_compaction}: compact by itself when an allocation fails for
 *     fragmentation
 * @param maxFragmentationThreshold {@code max_fragmentation_threshold}: fragmentation above which a
 *     failed allocation triggers compaction (and the monitor raises an alert), 0 to 1
 * @param preTouch {@code pre_touch}: commit every page of the pool when it is built, as the JVM's
 *     {@code -XX:+AlwaysPreTouch} does for its heap. Off (the default), direct pool memory is
 *     committed page by page as blocks first touch it: a pool costs resident memory for what was
 *     used, and a pool larger than the memory the system will give fails when it fills (the
 *     system's out-of-memory handling, not an exception). On, start-up pays for the whole pool, no
 *     allocation takes a first-touch page fault, and a pool the system cannot back fails in {@code
 *     initialize()} with an {@link OutOfMemoryException}. Checked memory (see the README) is
 *     committed when built either way, since the JDK zeroes it.
 */
public record MemoryPoolConfig(
    long poolSize,
    int blockSize,
    String allocationStrategy,
    boolean enableCompaction,
    double maxFragmentationThreshold,
    boolean preTouch) {

  public static final long MIN_POOL_SIZE = 64L << 10;
  public static final long MAX_POOL_SIZE = 1L << 40;
  public static final int MIN_BLOCK_SIZE = 512;
  public static final int MAX_BLOCK_SIZE = 1 << 20;

  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

  public MemoryPoolConfig {
    List<ConfigProblem> problems = new ArrayList<>();
    boolean blockOk =
        blockSize >= MIN_BLOCK_SIZE
            && blockSize <= MAX_BLOCK_SIZE
            && Integer.bitCount(blockSize) == 1;
    if (!blockOk) {
      problems.add(
          new ConfigProblem("block_size", blockSize, "a power of two between 512 and 1 MiB"));
    }
    if (poolSize < MIN_POOL_SIZE || poolSize > MAX_POOL_SIZE) {
      problems.add(new ConfigProblem("pool_size", poolSize, "between 64 KiB and 1 TiB"));
    } else if (blockOk && poolSize % blockSize != 0) {
      problems.add(
          new ConfigProblem(
              "pool_size", poolSize, "a multiple of block_size (" + blockSize + " bytes)"));
    }
    if (allocationStrategy == null || !NAME.matcher(allocationStrategy).matches()) {
      problems.add(
          new ConfigProblem(
              "allocation_strategy",
              allocationStrategy,
              "a strategy name such as sequential, random or batch"));
    }
    if (!(maxFragmentationThreshold >= 0 && maxFragmentationThreshold <= 1)) {
      problems.add(
          new ConfigProblem(
              "max_fragmentation_threshold", maxFragmentationThreshold, "a number from 0 to 1"));
    }
    ConfigurationException.throwIfAny(problems);
  }

  /**
   * 100 MiB of 4 KiB pages, sequential placement, compaction on at 15 % fragmentation, committed as
   * used.
   */
  public static MemoryPoolConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .poolSize(poolSize)
        .blockSize(blockSize)
        .allocationStrategy(allocationStrategy)
        .enableCompaction(enableCompaction)
        .maxFragmentationThreshold(maxFragmentationThreshold)
        .preTouch(preTouch);
  }

  /** Pages in the pool. */
  public long pageCount() {
    return poolSize / blockSize;
  }

  /** Builder; {@link #build()} validates every field at once. */
  public static final class Builder {
    private long poolSize = 100L << 20;
    private int blockSize = 4096;
    private String allocationStrategy = "sequential";
    private boolean enableCompaction = true;
    private double maxFragmentationThreshold = 0.15;
    private boolean preTouch = false;

    private Builder() {}

    public Builder poolSize(long value) {
      this.poolSize = value;
      return this;
    }

    public Builder blockSize(int value) {
      this.blockSize = value;
      return this;
    }

    public Builder allocationStrategy(String value) {
      this.allocationStrategy = value;
      return this;
    }

    public Builder enableCompaction(boolean value) {
      this.enableCompaction = value;
      return this;
    }

    public Builder maxFragmentationThreshold(double value) {
      this.maxFragmentationThreshold = value;
      return this;
    }

    public Builder preTouch(boolean value) {
      this.preTouch = value;
      return this;
    }

    public MemoryPoolConfig build() {
      return new MemoryPoolConfig(
          poolSize,
          blockSize,
          allocationStrategy,
          enableCompaction,
          maxFragmentationThreshold,
          preTouch);
    }
  }
}
