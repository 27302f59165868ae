package dev.omega.mem.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The closeable parts one system built (manager, heap, monitor, exporters), in the order they were
 * built. {@link OmegaMemory#close()}, and a build that fails part way, close them newest first, and
 * every part is closed even when an earlier one throws.
 *
 * <p>Thread safety: thread-safe; parts are added and taken under this object's lock, and closed
 * outside it.
 */
final class BuiltParts {
  private record Part(String name, Runnable close) {}

  private final List<Part> parts = new ArrayList<>();

  /** Records a part that was just built; {@code close} is how to close it. */
  synchronized void add(String name, Runnable close) {
    parts.add(new Part(name, close));
  }

  /**
   * Closes every part recorded so far, newest first, and forgets them, so a second call closes
   * nothing.
   *
   * @return the first failure, with the failures of the other parts added as suppressed; {@code
   *     null} if every part closed
   */
  Throwable closeAll() {
    List<Part> toClose;
    synchronized (this) {
      toClose = new ArrayList<>(parts);
      parts.clear();
    }
    Throwable first = null;
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close().run();
      } catch (RuntimeException | Error e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    return first;
  }
}
