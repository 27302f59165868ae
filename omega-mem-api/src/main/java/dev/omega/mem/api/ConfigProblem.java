package dev.omega.mem.api;

/**
 * One rejected configuration value: the key as written in {@code omega-mem.conf}, the value that
 * was given, and what is allowed. {@link #toString()} reads {@code "block_size: 1000 (expected: a
 * power of two between 512 and 1 MiB)"}.
 */
public record ConfigProblem(String key, Object value, String expected) {
  public ConfigProblem {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("key must not be blank");
    }
    if (expected == null || expected.isBlank()) {
      throw new IllegalArgumentException("expected must not be blank");
    }
  }

  @Override
  public String toString() {
    return key + ": " + value + " (expected: " + expected + ")";
  }
}
