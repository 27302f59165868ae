package dev.omega.mem.api;

/**
 * An access that the caller is not allowed to make: a block of another manager, pool or domain, or
 * a write to a sealed (read-only) block. Nothing was changed.
 */
public final class AccessViolationException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  public AccessViolationException(String message) {
    super(message);
  }
}
