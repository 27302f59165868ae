package dev.omega.mem.api;

/**
 * A heap snapshot could not be read: truncated, corrupt (its checksum or structure is wrong), of a
 * format version this library does not read, or not a snapshot at all. The heap it was restored
 * into is left as it was.
 */
public final class SnapshotFormatException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  public SnapshotFormatException(String message) {
    super(message);
  }

  public SnapshotFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
