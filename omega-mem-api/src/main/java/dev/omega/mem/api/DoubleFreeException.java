package dev.omega.mem.api;

/** A block was freed a second time. The second free changed nothing. */
public final class DoubleFreeException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  public DoubleFreeException(String message) {
    super(message);
  }
}
