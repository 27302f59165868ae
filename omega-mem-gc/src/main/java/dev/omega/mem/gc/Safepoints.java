package dev.omega.mem.gc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Stops a heap's mutators for a pause, with a handshake at safepoints, instead of a lock that every
 * mutator operation takes.
 *
 * <p>Design note. Terms: a thread is <em>running</em> on the heap while it has an open scope or an
 * operation in flight, and only then. A <em>safepoint</em> is a point where a running thread may
 * stop: an allocation, opening or closing a scope, {@code poll()}, and every call that may block
 * (the memory manager, a collection). A <em>pause</em> ({@link #beginPause}) runs when no thread is
 * running outside a safepoint. The state word of each {@link Mutator} carries the protocol:
 *
 * <pre>
 *   thread                         pause
 *   PARKED --CAS--> RUNNING        sets requested, then per mutator:
 *   RUNNING --store--> SAFE          PARKED or SAFE --CAS--> same | HELD
 *   RUNNING --store--> PARKED        RUNNING: waits until it stores SAFE or PARKED
 *   SAFE --CAS--> RUNNING          ... work ...
 *     (only while not requested)   clears requested, stores each state without HELD, unparks
 * </pre>
 *
 * Happens-before: a thread leaves RUNNING by a volatile store, which the pause's read of that state
 * (before its CAS to HELD) sees, so everything the thread did before its safepoint happens before
 * the pause's work. The pause ends with volatile stores (requested, then each state), which the
 * thread's CAS back to RUNNING reads, so the pause's work happens before everything the thread does
 * after. A thread and a pause never both go on: the thread enters only by a CAS from PARKED or
 * SAFE, which fails once the pause has set HELD there, and a pause that finds RUNNING waits. A
 * running thread between safepoints costs the pause nothing but the wait; a thread that is not
 * running costs it one CAS. Reads of the object graph by a thread that is not running need no state
 * at all: a pause never reuses memory, allocations after it do, and a read validates the object's
 * generation after it (the heap's class note).
 *
 * <p>A thread that ends while running (an open scope never closed) is found by the pause (its
 * thread is no longer alive) and held for good; the heap then drops its roots. A running thread
 * that does not reach a safepoint within {@link #TIMEOUT} makes the pause fail with an {@link
 * IllegalStateException} naming it, rather than hang; the heap reports the collection it was for as
 * failed and goes on.
 *
 * <p>Serial mode, for a collector whose barrier is not thread-safe (no {@code CONCURRENT_MUTATORS}
 * trait): every operation holds one lock, as does a pause; open scopes do not make a thread
 * running.
 *
 * <p>Thread safety: thread-safe; pauses are serialised and may nest on their own thread.
 */
final class Safepoints {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int CACHE = 1024;

  final boolean serial;
  private final ReentrantLock serialLock = new ReentrantLock();
  private final ReentrantLock pauseLock = new ReentrantLock();
  private final Supplier<Mutator> newMutator;
  private final Consumer<Mutator> atStart;
  private final Consumer<Mutator> reap;
  private final Duration timeout;

  /** Every thread's mutator, registered on its first operation; dead ones leave in a pause. */
  private final List<Mutator> mutators = new CopyOnWriteArrayList<>();

  /** By thread id, so finding the current thread's mutator is an array read, not a map probe. */
  private final Mutator[] byThreadId = new Mutator[CACHE];

  private final ThreadLocal<Mutator> local = new ThreadLocal<>();

  /** Set while a pause waits for, or holds, the mutators. */
  private volatile boolean requested;

  private volatile Thread pauser;

  /**
   * @param newMutator makes the current thread's mutator on its first operation
   * @param atStart told of every mutator when a pause starts, with all of them stopped
   * @param reap told of each mutator whose thread has ended, with all of them stopped, before it is
   *     forgotten
   */
  Safepoints(
      boolean serial,
      Supplier<Mutator> newMutator,
      Consumer<Mutator> atStart,
      Consumer<Mutator> reap) {
    this(serial, newMutator, atStart, reap, TIMEOUT);
  }

  /** With another bound on the wait for a running thread: for tests. */
  Safepoints(
      boolean serial,
      Supplier<Mutator> newMutator,
      Consumer<Mutator> atStart,
      Consumer<Mutator> reap,
      Duration timeout) {
    this.timeout = timeout;
    this.serial = serial;
    this.newMutator = newMutator;
    this.atStart = atStart;
    this.reap = reap;
  }

  /** This thread's mutator, registered on first use. */
  Mutator current() {
    Thread t = Thread.currentThread();
    Mutator m = byThreadId[(int) t.threadId() & (CACHE - 1)];
    if (m != null && m.thread == t) {
      return m;
    }
    m = local.get();
    if (m == null) {
      m = newMutator.get();
      local.set(m);
      mutators.add(m);
    }
    byThreadId[(int) t.threadId() & (CACHE - 1)] = m;
    return m;
  }

  boolean pauseRequested() {
    return requested;
  }

  // ------------------------------------------------------------------ thread side

  /**
   * Begins one operation; returns whether {@link #exitOperation} must undo it. In serial mode it
   * takes the lock; otherwise a thread already running only looks for a pause request.
   */
  boolean enterOperation(Mutator m) {
    if (serial) {
      serialLock.lock();
      return true;
    }
    if (m.running > 0) {
      if (requested && pauser != m.thread) { // a callback of this thread's own pause goes on
        safepoint(m);
      }
      return false;
    }
    if (pauser == m.thread) {
      return false; // a callback of the pause this thread runs: the world is already stopped
    }
    becomeRunning(m, Mutator.PARKED);
    m.running = 1;
    return true;
  }

  void exitOperation(Mutator m, boolean entered) {
    if (!entered) {
      return;
    }
    if (serial) {
      serialLock.unlock();
      return;
    }
    m.running = 0;
    leave(m);
  }

  /** Opens a scope: the thread stays running until its outermost scope closes. */
  void enterScope(Mutator m) {
    if (serial) {
      return;
    }
    if (m.running++ == 0) {
      if (pauser == m.thread) {
        return;
      }
      becomeRunning(m, Mutator.PARKED);
    } else if (requested && pauser != m.thread) {
      safepoint(m);
    }
  }

  void exitScope(Mutator m) {
    if (serial) {
      return;
    }
    if (--m.running == 0) {
      if (pauser != m.thread) {
        leave(m);
      }
    } else if (requested && pauser != m.thread) {
      safepoint(m);
    }
  }

  /** A safepoint of a running thread: stops here while a pause wants it. */
  void poll(Mutator m) {
    if (requested && m.running > 0 && !serial && pauser != m.thread) {
      safepoint(m);
    }
  }

  private void safepoint(Mutator m) {
    m.setState(Mutator.SAFE);
    wakePauser();
    becomeRunning(m, Mutator.SAFE);
  }

  private void leave(Mutator m) {
    m.setState(Mutator.PARKED);
    if (requested) {
      wakePauser();
    }
  }

  /**
   * Runs {@code call}, which may block (take a lock, wait for a collection, call the manager), with
   * this thread at a safepoint, so that a pause that the call waits for can stop it.
   */
  <T> T blocking(Mutator m, Supplier<T> call) {
    if (serial) {
      // The operation's own hold is let go; inside a pause (held twice) nothing may be.
      if (serialLock.getHoldCount() != 1) {
        return call.get();
      }
      serialLock.unlock();
      try {
        return call.get();
      } finally {
        serialLock.lock();
      }
    }
    if (m.running == 0 || pauser == m.thread || m.state() != Mutator.RUNNING) {
      return call.get(); // not running, or at a safepoint already (a blocking call nested in one)
    }
    m.setState(Mutator.SAFE);
    wakePauser();
    try {
      return call.get();
    } finally {
      becomeRunning(m, Mutator.SAFE);
    }
  }

  /** From {@code from} (PARKED or SAFE) to RUNNING, waiting while a pause wants or holds it. */
  private void becomeRunning(Mutator m, int from) {
    while (true) {
      if (!requested && m.state() == from && m.casState(from, Mutator.RUNNING)) {
        return;
      }
      LockSupport.parkNanos(this, 20_000);
    }
  }

  private void wakePauser() {
    Thread p = pauser;
    if (p != null) {
      LockSupport.unpark(p);
    }
  }

  // ------------------------------------------------------------------ pause side

  /** Nesting of the pause this thread runs (a collector's pause calling heap passes that pause). */
  private int nesting;

  private final List<Mutator> held = new ArrayList<>();
  private Mutator pausingSelf;

  /**
   * Starts a pause, or joins the one this thread runs: on return every other mutator is stopped at
   * a safepoint, those whose threads ended have been given to {@code reap}, and every mutator to
   * {@code atStart} (to publish what it allocated). Pair with {@link #endPause()} in a finally.
   *
   * @throws IllegalStateException if a running thread reached no safepoint within {@link #TIMEOUT}
   *     (nothing is held then)
   */
  void beginPause() {
    if (serial) {
      serialLock.lock();
      if (serialLock.getHoldCount() == 1) {
        startedPause();
      }
      return;
    }
    if (pauser == Thread.currentThread()) {
      nesting++;
      return;
    }
    Mutator self = byThreadOrNull();
    boolean selfRunning = self != null && self.state() == Mutator.RUNNING;
    if (selfRunning) {
      self.setState(
          Mutator.SAFE); // before waiting for another pause, which must be able to hold us
      wakePauser();
    }
    pauseLock.lock();
    try {
      pauser = Thread.currentThread();
      requested = true;
      long deadline = System.nanoTime() + timeout.toNanos();
      for (Mutator m : mutators) {
        hold(m, deadline);
        held.add(m);
      }
      startedPause();
    } catch (RuntimeException | Error e) {
      release(selfRunning ? self : null);
      throw e;
    }
    pausingSelf = selfRunning ? self : null;
    nesting = 1;
  }

  /** Ends what {@link #beginPause()} began: mutators go on once the outermost pause ends. */
  void endPause() {
    if (serial) {
      serialLock.unlock();
      return;
    }
    if (--nesting > 0) {
      return;
    }
    Mutator self = pausingSelf;
    pausingSelf = null;
    release(self);
  }

  /** Whether this thread runs a pause now. */
  boolean pausing() {
    return serial ? serialLock.isHeldByCurrentThread() : pauser == Thread.currentThread();
  }

  private void startedPause() {
    for (Mutator m : mutators) {
      if (!m.thread.isAlive() && (serial || (m.state() & Mutator.HELD) != 0)) {
        reap.accept(m);
        mutators.remove(m);
        int at = (int) m.thread.threadId() & (CACHE - 1);
        if (byThreadId[at] == m) {
          byThreadId[at] = null;
        }
      }
    }
    for (Mutator m : mutators) {
      atStart.accept(m);
    }
  }

  private void release(Mutator self) {
    requested = false;
    for (Mutator m : held) {
      m.setState(m.state() & ~Mutator.HELD);
      LockSupport.unpark(m.thread);
    }
    held.clear();
    pauser = null;
    pauseLock.unlock();
    if (self != null) {
      becomeRunning(self, Mutator.SAFE);
    }
  }

  /** Holds {@code m} at PARKED or SAFE, waiting for it to get there. */
  private void hold(Mutator m, long deadline) {
    while (true) {
      int s = m.state();
      if ((s == Mutator.PARKED || s == Mutator.SAFE) && m.casState(s, s | Mutator.HELD)) {
        return;
      }
      if ((s & Mutator.HELD) != 0) {
        throw new IllegalStateException("mutator state " + s + " is held outside a pause");
      }
      if (!m.thread.isAlive()) {
        m.setState(Mutator.PARKED | Mutator.HELD); // ended inside the heap: it never runs again
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "thread "
                + m.thread.getName()
                + " stayed inside the managed heap (an open scope) for "
                + timeout.toMillis()
                + " ms without reaching a safepoint, so a collection could not stop it; a thread"
                + " inside the heap must allocate, open or close a scope, or call poll() now and"
                + " then, and should close its scopes before it blocks");
      }
      LockSupport.parkNanos(this, TimeUnit.MICROSECONDS.toNanos(50));
    }
  }

  private Mutator byThreadOrNull() {
    Thread t = Thread.currentThread();
    Mutator m = byThreadId[(int) t.threadId() & (CACHE - 1)];
    return m != null && m.thread == t ? m : local.get();
  }

  /** Every registered mutator; read it inside a pause. */
  List<Mutator> mutators() {
    return mutators;
  }
}
