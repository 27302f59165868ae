package dev.omega.mem.api;

/**
 * Root of every exception Omega Memory throws on purpose. Unchecked: callers handle the specific
 * subclasses they can act on and let the rest propagate.
 *
 * <p>Every subclass leaves the system consistent: the operation that threw changed nothing, and
 * every other block, object and counter is as it was.
 */
public class OmegaMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OmegaMemoryException(String message) {
    super(message);
  }

  public OmegaMemoryException(String message, Throwable cause) {
    super(message, cause);
  }
}
