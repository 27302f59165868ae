package dev.omega.mem.gc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One thread's presence on one heap: its safepoint state, its stack of local roots, and what it
 * allocates from without a lock.
 *
 * <p>Design note. Every field but {@link #state} is written only by its thread, or by a pause while
 * that thread is stopped (the pause's handshake orders both ways; see {@link Safepoints}). Layout:
 *
 * <pre>
 *   state          PARKED | RUNNING | SAFE, plus HELD while a pause holds it (CAS by both sides)
 *   running        how deep the thread is inside the heap: open scopes plus operations in flight
 *   held, marks    local roots: every scope's ids on one stack, each scope's start in marks
 *   slots          table slots taken from the object table in batches (a magazine)
 *   cells          per cell class, cell addresses taken from the cell space in batches
 *   fresh          slots of objects allocated since the last pause, linked into generation 0 by it
 * </pre>
 *
 * Pushing and popping a scope allocates nothing once the arrays have grown to the program's depth.
 */
final class Mutator {
  static final int PARKED = 0;
  static final int RUNNING = 1;

  /** Stopped at a safepoint (or in a call that may block): a pause may hold it. */
  static final int SAFE = 2;

  /** Or-ed into PARKED or SAFE while a pause holds the thread there. */
  static final int HELD = 4;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Mutator.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Thread thread;

  /** Read and CAS-ed by pauses; written by the thread. */
  @SuppressWarnings("unused") // through STATE
  private volatile int state;

  int running;

  long[] held = new long[64];
  int heldTop;
  int[] marks = new int[16];
  int depth;

  /**
   * Bumped by every scope opened, so a {@link dev.omega.mem.api.gc.HeapScope} object closed twice,
   * after its depth was reused by another scope, is recognised as stale.
   */
  long scopeSerial;

  long[] scopeSerials = new long[16];

  int[] slots = new int[0];
  int slotTop;

  long[][] cells;
  int[] cellTop;

  int[] fresh = new int[256];
  int freshTop;
  long freshBytes;

  /**
   * Bytes this thread may still allocate before it looks at the heap-wide collection trigger:
   * checking a shared total on every allocation would make two threads contend for its line.
   */
  long budget;

  /** The thread's open transaction's record, or null when none is open ({@link Transactions}). */
  UndoLog undo;

  /** A log of an ended transaction, kept for the next one. */
  UndoLog spareUndo;

  Mutator(Thread thread, int cellClasses) {
    this.thread = thread;
    this.cells = new long[cellClasses][];
    this.cellTop = new int[cellClasses];
  }

  int state() {
    return state;
  }

  boolean casState(int expected, int next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /** A store that every later load of another thread's CAS or read sees in order (volatile). */
  void setState(int next) {
    state = next;
  }

  void pushHeld(long id) {
    if (heldTop == held.length) {
      held = Arrays.copyOf(held, heldTop * 2);
    }
    held[heldTop++] = id;
  }

  /** Opens a scope; returns its depth. */
  int pushScope() {
    if (depth == marks.length) {
      marks = Arrays.copyOf(marks, depth * 2);
      scopeSerials = Arrays.copyOf(scopeSerials, depth * 2);
    }
    marks[depth] = heldTop;
    scopeSerials[depth] = ++scopeSerial;
    return ++depth;
  }

  void addFresh(int slot, long bytes) {
    if (freshTop == fresh.length) {
      fresh = Arrays.copyOf(fresh, freshTop * 2);
    }
    fresh[freshTop++] = slot;
    freshBytes += bytes;
  }
}
