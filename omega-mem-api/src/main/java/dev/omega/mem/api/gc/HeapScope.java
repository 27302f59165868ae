package dev.omega.mem.api.gc;

/**
 * Local roots: every object allocated on this thread while the scope is the innermost open one is a
 * root until the scope closes (like a V8 HandleScope or a JNI local frame). Scopes nest, belong to
 * the thread that opened them and must be closed in reverse order, on that thread.
 */
public interface HeapScope extends AutoCloseable {

  /** Roots {@code object} in this scope too (for objects allocated before the scope opened). */
  HeapObject hold(HeapObject object);

  /** Unroots everything this scope rooted. */
  @Override
  void close();
}
