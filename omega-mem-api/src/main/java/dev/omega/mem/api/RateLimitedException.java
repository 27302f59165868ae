package dev.omega.mem.api;

/**
 * A domain asked for allocations faster than its configured rate limit allows. Nothing was
 * allocated; the caller may retry later.
 */
public final class RateLimitedException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  public RateLimitedException(String message) {
    super(message);
  }
}
