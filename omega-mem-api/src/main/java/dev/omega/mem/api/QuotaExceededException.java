package dev.omega.mem.api;

/**
 * A domain's byte quota, count quota or maximum single allocation would be exceeded. Nothing was
 * allocated; other domains are unaffected.
 */
public final class QuotaExceededException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  private final String domain;
  private final long limit;
  private final long requested;

  public QuotaExceededException(String message, String domain, long limit, long requested) {
    super(message);
    this.domain = domain;
    this.limit = limit;
    this.requested = requested;
  }

  /** Name of the domain whose quota was hit. */
  public String domain() {
    return domain;
  }

  /** The limit that would have been crossed (bytes or blocks, as the message says). */
  public long limit() {
    return limit;
  }

  /** What the request would have brought the total to, in the unit of {@link #limit()}. */
  public long requested() {
    return requested;
  }
}
