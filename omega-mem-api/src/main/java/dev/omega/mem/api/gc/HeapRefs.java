package dev.omega.mem.api.gc;

/**
 * The handle-free view of a {@link ManagedHeap}, for runtimes that keep object references in their
 * own arrays and registers: objects are {@code long} ids and no call allocates a Java object.
 *
 * <p>An id is checked like a {@link HeapObject} handle: it names one object for that object's life
 * and never becomes valid again once the object is collected. Every method that takes an id throws
 * {@link dev.omega.mem.api.UseAfterFreeException} for a stale one, {@link NullPointerException} for
 * 0 (the null id) where an object is required, {@link dev.omega.mem.api.AccessViolationException}
 * for one this heap never issued (a made-up value, or another heap's: heaps carry a 12-bit tag, so
 * one built 4,094 heaps earlier in the same JVM is not told apart, nor are two deterministic heaps,
 * which all carry one tag so that their ids are the same in every run), and {@link
 * IndexOutOfBoundsException} for a slot or offset outside the object.
 *
 * <p>Reachability is the same as through handles: an id held only in a Java local or array is not a
 * root. Objects allocated while a scope is open on the thread are rooted by its innermost scope;
 * {@link #hold} roots another one there, {@link #addRoot} roots one globally.
 *
 * <p>Safepoints: a thread with an open scope is <em>inside</em> the heap, and a collection that
 * must stop mutators waits for it to reach a safepoint: an allocation, a scope opening or closing,
 * or {@link #poll()}. A thread inside the heap that computes or blocks for long without any of
 * those holds collections up; it should close its scopes, or call {@link #poll()} regularly. A
 * thread with no open scope never holds a collection up.
 */
public interface HeapRefs {

  /** The null id: an empty reference slot, and what {@link #get} returns for one. */
  long NULL = 0;

  /**
   * Allocates an object, rooted by the current thread's innermost open scope if there is one, as
   * {@link ManagedHeap#allocate} does.
   *
   * @return its id, never {@link #NULL}
   */
  long allocate(int referenceSlots, int dataBytes);

  /** The id in {@code object}'s reference slot {@code slot}, or {@link #NULL} when it is empty. */
  long get(long object, int slot);

  /** Writes {@code target} (or {@link #NULL}) into {@code object}'s reference slot {@code slot}. */
  void set(long object, int slot, long target);

  int referenceSlots(long object);

  int dataBytes(long object);

  /** Reads the payload's 8 bytes at {@code offset}. */
  long getLong(long object, int offset);

  void setLong(long object, int offset, long value);

  int getInt(long object, int offset);

  void setInt(long object, int offset, int value);

  byte getByte(long object, int offset);

  void setByte(long object, int offset, byte value);

  /** Whether {@code object} names a live object of this heap ({@code false} for any other id). */
  boolean isLive(long object);

  /** Makes {@code object} a global root (counted: add twice, remove twice). */
  void addRoot(long object);

  /** Removes one global-root hold; {@code false} if the object was not a root. */
  boolean removeRoot(long object);

  /**
   * Roots {@code object} in {@code scope} until it closes, as {@link HeapScope#hold} does.
   *
   * @return {@code object}
   */
  long hold(HeapScope scope, long object);

  /**
   * Opens a local-root scope on the current thread without allocating: the returned token is the
   * scope's depth, to be given back to {@link #exitScope}. Scopes opened this way and with {@link
   * ManagedHeap#openScope} nest in one stack.
   */
  int enterScope();

  /**
   * Closes the innermost scope, which {@link #enterScope} opened and returned {@code token} for.
   *
   * @throws IllegalStateException if that scope is not the innermost open one on this thread
   */
  void exitScope(int token);

  /**
   * A safepoint: if a collection is waiting for mutators to stop, this thread stops here until it
   * has run. Cheap when none is (one read of a flag).
   */
  void poll();

  /** A handle to {@code object}, for code that uses the {@link HeapObject} API. */
  HeapObject handle(long object);

  /** The id of the object {@code object} names. */
  long id(HeapObject object);
}
