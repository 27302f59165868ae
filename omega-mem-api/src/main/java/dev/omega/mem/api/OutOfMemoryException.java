package dev.omega.mem.api;

/**
 * No memory could be found for a request, after the whole fallback chain (flush thread caches, run
 * the collector, compact, retry, fallback segment if allowed) was tried. The message is a
 * diagnosis; the accessors give the same numbers to programs.
 */
public final class OutOfMemoryException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  private final long requestedBytes;
  private final Priority priority;
  private final long freeBytes;
  private final long largestFreeRunBytes;
  private final double fragmentation;

  public OutOfMemoryException(
      String message,
      long requestedBytes,
      Priority priority,
      long freeBytes,
      long largestFreeRunBytes,
      double fragmentation) {
    super(message);
    this.requestedBytes = requestedBytes;
    this.priority = priority;
    this.freeBytes = freeBytes;
    this.largestFreeRunBytes = largestFreeRunBytes;
    this.fragmentation = fragmentation;
  }

  /** Bytes the caller asked for. */
  public long requestedBytes() {
    return requestedBytes;
  }

  /** Priority of the refused request. */
  public Priority priority() {
    return priority;
  }

  /** Free bytes in the pool when the request was refused. */
  public long freeBytes() {
    return freeBytes;
  }

  /** Largest contiguous free run, in bytes, when the request was refused. */
  public long largestFreeRunBytes() {
    return largestFreeRunBytes;
  }

  /** Fragmentation ratio ({@code 1 - largestFreeRun / totalFree}) when the request was refused. */
  public double fragmentation() {
    return fragmentation;
  }
}
