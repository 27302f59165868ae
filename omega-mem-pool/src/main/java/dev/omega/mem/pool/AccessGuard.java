package dev.omega.mem.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The grace period between freeing memory and reusing it: epoch-based reclamation over every thread
 * that reads or writes a block.
 *
 * <p>Design note. Terms: an <em>access</em> is one write or bulk copy through a {@link Block}, from
 * its check of the handle to its last byte (scalar reads validate afterwards instead, {@link
 * Block}); a <em>record</em> is one thread's announcement, a sequence number that is odd while the
 * thread is inside an access and even outside; the <em>epoch</em> is a global counter that each
 * grace period advances. A <em>grace period</em> advances the epoch, then waits, for each record it
 * finds odd, until that record has changed: the access in flight has left.
 *
 * <pre>
 *   access:   r = record of this thread; r.active = r.active + 1 (odd; volatile store: a fence)
 *             check the handle (freed? sealed? bounds? region moving?); touch the bytes
 *             r.active = r.active + 1 (even; a release store: the access's reads and writes
 *             happen before a grace period that reads the even value)
 *   free:     CAS the handle FREED; ticket = EPOCH; park the memory with its ticket
 *   reuse:    once a grace period that advanced the epoch past the ticket has ended
 * </pre>
 *
 * Why it is enough (the happens-before argument, in the Java memory model's synchronization order,
 * which is total over volatile actions): let a free's CAS be F, its ticket read T (value t), and a
 * grace period's increment I (from s >= t to s + 1) and its read R of a record. T precedes I, since
 * T did not see s + 1. For an access A whose entry store is E and whose check of the handle is C (a
 * volatile read): either E precedes R, so R sees A's odd number and the grace period waits until A
 * has left; or R precedes E, and then F &lt; T &lt; I &lt; R &lt; E &lt; C, so C sees FREED and A
 * throws without touching the memory. Memory is therefore reused only when every access that saw
 * the block live has left. The numbers are per thread, so an access reads no shared word to
 * announce itself. Compaction uses the same grace period to drain the accesses to a region it is
 * about to move ({@link Region#MOVING}).
 *
 * <p>Cost: an access pays one locked store (the fence) and one plain store, and finds its record
 * through a table indexed by thread id; a grace period reads one word per thread that has ever
 * accessed a block and is still alive, and waits only for accesses already in flight, which never
 * block (an access that finds its region moving leaves before it waits). This is why reclamation is
 * per thread and batched: the manager parks freed small blocks in the freeing thread's limbo and
 * runs one grace period per batch ({@link SmallBlocks}).
 *
 * <p>Why not the JDK's own handshake (closing a shared arena whose segment every access uses)? A
 * close stops every thread and deoptimizes each one caught inside an access, and reclamation needs
 * thousands of grace periods a second. Why not an asymmetric fence (accesses with a compiler
 * barrier only, grace periods calling Linux's {@code membarrier(PRIVATE_EXPEDITED)})? That call
 * interrupts every core running a thread of the process, which in a VM costs more per grace period
 * than the fence it would save on each write of a batch. The README gives the measurements.
 *
 * <p>Thread safety: thread-safe. A record is written by its thread only (entry and exit) and read
 * by grace periods.
 */
final class AccessGuard {
  /** One thread's announcement, padded to keep it off the cache lines of other threads' records. */
  static final class Record extends RecordFields {
    long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;

    Record(Thread owner) {
      super(owner);
    }

    boolean ownerDead() {
      return !owner.isAlive();
    }
  }

  /** Leading padding of {@link Record}. */
  abstract static class RecordPadding {
    long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
  }

  /** The fields of {@link Record}, between its paddings. */
  abstract static class RecordFields extends RecordPadding {
    final Thread owner;
    final long ownerId;

    /**
     * Odd inside an access, even outside; written only by the owner, through {@link #ACTIVE}, and
     * read by grace periods.
     */
    volatile long active;

    RecordFields(Thread owner) {
      this.owner = owner;
      this.ownerId = owner.threadId();
    }
  }

  private static final VarHandle ACTIVE;
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Record[].class);

  static {
    try {
      ACTIVE = MethodHandles.lookup().findVarHandle(RecordFields.class, "active", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Records by {@code threadId & (SLOTS_LENGTH - 1)}, claimed first come, as the thread caches. */
  private static final int SLOTS_LENGTH = 1024;

  private static final Record[] SLOTS_TABLE = new Record[SLOTS_LENGTH];

  /** Every record of a live thread (and dead ones until a grace period drops them). */
  private static final ConcurrentLinkedQueue<Record> RECORDS = new ConcurrentLinkedQueue<>();

  private static final ThreadLocal<Record> OWN =
      ThreadLocal.withInitial(
          () -> {
            Record record = new Record(Thread.currentThread());
            RECORDS.add(record);
            int slot = (int) record.ownerId & (SLOTS_LENGTH - 1);
            Record holder = (Record) SLOTS.getVolatile(SLOTS_TABLE, slot);
            if (holder == null || holder.ownerDead()) {
              SLOTS.compareAndSet(SLOTS_TABLE, slot, holder, record);
            }
            return record;
          });

  /** Advanced by each grace period; frees read it as their ticket. */
  private static final AtomicLong EPOCH = new AtomicLong(1);

  /** The highest epoch {@code s} whose grace period has ended: frees with ticket {@code <= s}. */
  private static final AtomicLong SAFE = new AtomicLong(0);

  /** Grace periods between two looks for records of threads that have died (a power of two). */
  private static final long PRUNE_INTERVAL = 64;

  private AccessGuard() {}

  /** The calling thread's record. */
  static Record record() {
    Thread thread = Thread.currentThread();
    long id = thread.threadId();
    Record r = SLOTS_TABLE[(int) id & (SLOTS_LENGTH - 1)];
    if (r != null && r.ownerId == id) {
      return r;
    }
    return OWN.get();
  }

  /** Enters an access: makes the record odd, with a full fence after the store. */
  static Record enter() {
    Record r = record();
    // Odd and changed even if an earlier exit never ran (an error thrown inside the finally).
    ACTIVE.setVolatile(r, ((long) ACTIVE.get(r) + 1) | 1);
    return r;
  }

  /** Leaves the access {@link #enter()} began: the record even again. Accesses do not nest. */
  static void exit(Record r) {
    ACTIVE.setRelease(r, ((long) ACTIVE.get(r) + 1) & ~1L);
  }

  /** The ticket of a free whose handle was just marked FREED: the epoch now. */
  static long ticket() {
    return EPOCH.get();
  }

  /** Whether memory freed with {@code ticket} may be reused now, with no wait. */
  static boolean isSafe(long ticket) {
    return SAFE.get() >= ticket;
  }

  /**
   * Waits until memory freed with {@code ticket} may be reused: returns at once when a grace period
   * covering it has ended, else runs one. Must not be called inside an access.
   */
  static void awaitSafe(long ticket) {
    if (SAFE.get() < ticket) {
      synchronize();
    }
  }

  /**
   * A full grace period: every access in flight when this was called has left when it returns. Must
   * not be called inside an access (it would wait for itself).
   */
  static void synchronize() {
    long start = EPOCH.getAndIncrement();
    boolean prune = (start & (PRUNE_INTERVAL - 1)) == 0;
    for (Record r : RECORDS) {
      long seen = r.active;
      if ((seen & 1) != 0) {
        int spins = 0;
        // A dead thread is in no access, whatever its record says.
        while (r.active == seen && !(spins > 0 && r.ownerDead())) {
          spins = backOff(spins);
        }
      } else if (prune && r.ownerDead()) {
        RECORDS.remove(r);
      }
    }
    long safe;
    do {
      safe = SAFE.get();
    } while (safe < start && !SAFE.compareAndSet(safe, start));
  }

  /**
   * Moves a grace period forward without waiting: starts one when none is pending, or re-reads the
   * records the pending one found inside an access; the grace period ends (and {@link #isSafe}
   * answers for it) once each of them has changed. Returns whether memory freed with {@code ticket}
   * may be reused now. A thread whose stash ran dry calls this rather than {@link #synchronize()},
   * so that a thread descheduled inside an access (common with more threads than cores) holds up no
   * allocation: the caller refills from the slabs meanwhile.
   */
  static boolean tryAdvance(long ticket) {
    if (SAFE.get() >= ticket) {
      return true;
    }
    if (!PENDING_LOCK.tryLock()) {
      return false; // another thread is moving it forward
    }
    try {
      if (pendingStart < 0) {
        pendingStart = EPOCH.getAndIncrement();
        pendingCount = 0;
        for (Record r : RECORDS) {
          long seen = r.active;
          if ((seen & 1) != 0) {
            if (pendingCount == pendingRecords.length) {
              pendingRecords = java.util.Arrays.copyOf(pendingRecords, pendingCount * 2);
              pendingSeen = java.util.Arrays.copyOf(pendingSeen, pendingCount * 2);
            }
            pendingRecords[pendingCount] = r;
            pendingSeen[pendingCount++] = seen;
          }
        }
      }
      int left = 0;
      for (int i = 0; i < pendingCount; i++) {
        Record r = pendingRecords[i];
        if (r.active == pendingSeen[i] && !r.ownerDead()) {
          pendingRecords[left] = r;
          pendingSeen[left++] = pendingSeen[i];
        }
      }
      java.util.Arrays.fill(pendingRecords, left, pendingCount, null);
      pendingCount = left;
      if (left == 0) {
        long start = pendingStart;
        pendingStart = -1;
        long safe;
        do {
          safe = SAFE.get();
        } while (safe < start && !SAFE.compareAndSet(safe, start));
      }
    } finally {
      PENDING_LOCK.unlock();
    }
    return SAFE.get() >= ticket;
  }

  /** Guards the pending grace period of {@link #tryAdvance}. */
  private static final java.util.concurrent.locks.ReentrantLock PENDING_LOCK =
      new java.util.concurrent.locks.ReentrantLock();

  /** The epoch the pending grace period started at, or -1 when none is pending. */
  private static long pendingStart = -1;

  /** The records the pending grace period found inside an access, and what they read then. */
  private static Record[] pendingRecords = new Record[16];

  private static long[] pendingSeen = new long[16];
  private static int pendingCount;

  /** Grace periods started since the JVM started (for tests and statistics). */
  static long gracePeriods() {
    return EPOCH.get() - 1;
  }

  /**
   * Spins, then yields, then sleeps briefly: an access in flight is short unless its thread was
   * descheduled, which on a machine with more threads than cores is the common case.
   */
  static int backOff(int spins) {
    if (spins < 64) {
      Thread.onSpinWait();
    } else if (spins < 128) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(10_000);
    }
    return spins + 1;
  }
}
