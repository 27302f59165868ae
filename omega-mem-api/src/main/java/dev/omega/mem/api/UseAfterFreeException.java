package dev.omega.mem.api;

/**
 * A block or object handle was used after it was freed or collected. Nothing was read or written.
 */
public final class UseAfterFreeException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  public UseAfterFreeException(String message) {
    super(message);
  }
}
