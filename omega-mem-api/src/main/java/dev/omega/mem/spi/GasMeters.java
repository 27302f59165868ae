package dev.omega.mem.spi;

import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The meters of one metered resource (a managed heap, a domain): each thread's stack of open {@link
 * GasMeter}s, and the charging every implementation of {@code meter(...)} shares, so a heap and a
 * domain price the same operation the same way.
 *
 * <p>Design note. A thread's meters form a stack (the innermost is on top); a charge is worked out
 * for every meter of the calling thread's stack, refused with {@link MeterExhaustedException} if
 * any would pass its budget, and only then applied to all of them, so a refused operation charges
 * nothing anywhere. An allocation's charge depends on each meter's own peak (its memory charge is
 * the growth of {@link GasSchedule#memoryCost} from that peak), so nested meters may charge it
 * differently. A resource whose operation can still fail after the gas is checked checks first
 * ({@link #checkAllocation}) and charges once the operation succeeded. A cost too large for a
 * {@code long} (the prices go up to 2^40 per word) is refused whatever the budget, reported as
 * costing {@link Long#MAX_VALUE}. The resource asks {@link #active()} first: one volatile read when
 * no meter is open on any thread, which is the cost metering adds to an unmetered operation.
 *
 * <p>Complexity: O(open meters of the thread) per charge.
 *
 * <p>Thread safety: a meter is charged and closed by the thread that opened it; the counters are
 * volatile so any thread may read them, and written with release stores (only the meter's thread
 * writes them, so a plain read-modify-write is exact, and a volatile store's fence on every metered
 * operation buys nothing).
 */
public final class GasMeters {
  private final String resource;
  private final ThreadLocal<Meter> innermost = new ThreadLocal<>();
  private volatile int open;

  /**
   * @param resource what is metered, for messages ({@code "heap"}, {@code "domain 'contracts'"})
   */
  public GasMeters(String resource) {
    this.resource = Objects.requireNonNull(resource, "resource is null");
  }

  /** Opens a meter on the calling thread, inside the one open there if any, with no bytes live. */
  public GasMeter open(long budget, GasSchedule schedule) {
    return open(budget, schedule, 0);
  }

  /**
   * Opens a meter on the calling thread, inside the one open there if any, when {@code liveBytes}
   * are already live: they are its first peak, so it charges the memory charge's growth from them
   * on, not the memory held before it opened.
   */
  public GasMeter open(long budget, GasSchedule schedule, long liveBytes) {
    Objects.requireNonNull(schedule, "schedule is null");
    if (budget < 0) {
      throw new IllegalArgumentException("a gas budget is 0 or more, got " + budget);
    }
    if (liveBytes < 0) {
      throw new IllegalArgumentException("live bytes are 0 or more, got " + liveBytes);
    }
    Meter outer = innermost.get();
    Meter m = new Meter(this, budget, schedule, outer, Thread.currentThread());
    m.peak = liveBytes;
    innermost.set(m);
    synchronized (this) {
      open++;
    }
    return m;
  }

  /** Whether any thread has a meter open (if not, nothing needs charging). */
  public boolean active() {
    return open != 0;
  }

  /** Whether the calling thread has a meter open. */
  public boolean meteredHere() {
    return open != 0 && innermost.get() != null;
  }

  /**
   * Charges the calling thread's meters for an allocation of {@code bytes} after which {@code
   * liveBytes} are live.
   *
   * @param operation names the allocation in the refusal's message, which adds the bytes (pass a
   *     constant: it is not built per call)
   * @throws MeterExhaustedException if a meter cannot pay; nothing is charged then
   */
  public void chargeAllocation(long bytes, long liveBytes, String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top == null) {
      return;
    }
    checkAllocation(top, bytes, liveBytes, operation);
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.allocationCost(bytes, liveBytes);
      m.apply(cost, liveBytes);
    }
  }

  /**
   * Charges the calling thread's meters for an allocation of {@code bytes} that grows each meter's
   * memory by {@code bytes}, as the EVM's memory grows and no free shrinks it: the memory charge is
   * priced on the bytes allocated since the meter opened (its {@link GasMeter#peakBytes()}), a
   * figure that does not depend on when a collector finds garbage. For a managed heap, where live
   * bytes would make gas differ between collectors and thresholds.
   *
   * @param operation names the allocation in the refusal's message, which adds the bytes (pass a
   *     constant)
   * @throws MeterExhaustedException if a meter cannot pay; nothing is charged then
   */
  public void chargeAllocationGrowingMemory(long bytes, String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top == null) {
      return;
    }
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.allocationCost(bytes, grown(m, bytes));
      if (m.cannotPay(cost)) {
        throw m.refuse(operation + " of " + bytes + " bytes", cost);
      }
    }
    for (Meter m = top; m != null; m = m.outer) {
      long grown = grown(m, bytes);
      m.apply(m.allocationCost(bytes, grown), grown);
    }
  }

  private static long grown(Meter m, long bytes) {
    long grown = m.peak + bytes;
    return grown < 0 ? Long.MAX_VALUE : grown; // past a long: priced as too large, so refused
  }

  /**
   * Checks, without charging, that the calling thread's meters could pay for an allocation of
   * {@code bytes} after which {@code liveBytes} are live: a resource whose allocation can still
   * fail after the gas is checked (a quota, out of memory) checks first, allocates, then charges
   * with {@link #chargeAllocation}, so a failed allocation charges nothing. Only the thread's own
   * charges change its meters, so the charge agrees with this check unless the allocation itself
   * charged (a listener writing through a metered block, say); it then checks again.
   *
   * @param operation names the allocation in the refusal's message, which adds the bytes
   * @throws MeterExhaustedException if a meter cannot pay
   */
  public void checkAllocation(long bytes, long liveBytes, String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top != null) {
      checkAllocation(top, bytes, liveBytes, operation);
    }
  }

  private static void checkAllocation(Meter top, long bytes, long liveBytes, String operation) {
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.allocationCost(bytes, liveBytes);
      if (m.cannotPay(cost)) {
        // Named only on refusal: a metered allocation builds no string.
        throw m.refuse(operation + " of " + bytes + " bytes", cost);
      }
    }
  }

  /** Charges the calling thread's meters for one reference write. */
  public void chargeReferenceWrite(String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top != null) {
      chargeFlat(top, true, operation);
    }
  }

  /** Charges the calling thread's meters for one payload write. */
  public void chargePayloadWrite(String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top != null) {
      chargeFlat(top, false, operation);
    }
  }

  /**
   * Charges the calling thread's meters for one payload write of {@code bytes} bytes: {@link
   * GasSchedule#payloadWriteCost}, one word's price for a scalar write, a word's price per word for
   * a bulk copy or fill.
   *
   * @param operation names the write in the refusal's message, which adds the bytes
   * @throws MeterExhaustedException if a meter cannot pay; nothing is charged then
   */
  public void chargePayloadWrite(long bytes, String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top == null) {
      return;
    }
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.payloadWriteCost(bytes);
      if (m.cannotPay(cost)) {
        throw m.refuse(operation + " of " + bytes + " bytes", cost);
      }
    }
    for (Meter m = top; m != null; m = m.outer) {
      m.apply(m.payloadWriteCost(bytes), 0);
    }
  }

  private static void chargeFlat(Meter top, boolean reference, String operation) {
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.flatCost(reference);
      if (m.cannotPay(cost)) {
        throw m.refuse(operation, cost);
      }
    }
    for (Meter m = top; m != null; m = m.outer) {
      m.apply(m.flatCost(reference), 0);
    }
  }

  private void closed(Meter m) {
    innermost.set(m.outer);
    if (m.outer == null) {
      innermost.remove();
    }
    synchronized (this) {
      open--;
    }
  }

  /** One open meter: its budget, what it has charged, and the meter it is nested in. */
  private static final class Meter implements GasMeter {
    /**
     * A cost that does not fit in a {@code long}: refused even by a budget of {@link
     * Long#MAX_VALUE}, which it would otherwise just fit.
     */
    static final long TOO_LARGE = Long.MAX_VALUE;

    private final GasMeters owner;
    private final long budget;
    private final GasSchedule schedule;
    private final Meter outer;
    private final Thread thread;
    private static final VarHandle USED;
    private static final VarHandle PEAK;
    private static final VarHandle OPERATIONS;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        USED = lookup.findVarHandle(Meter.class, "used", long.class);
        PEAK = lookup.findVarHandle(Meter.class, "peak", long.class);
        OPERATIONS = lookup.findVarHandle(Meter.class, "operations", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private volatile long used;
    private volatile long peak;
    private volatile long operations;
    private volatile boolean isOpen = true;

    Meter(GasMeters owner, long budget, GasSchedule schedule, Meter outer, Thread thread) {
      this.owner = owner;
      this.budget = budget;
      this.schedule = schedule;
      this.outer = outer;
      this.thread = thread;
    }

    /** Applies an accepted charge; called by the meter's thread only. */
    void apply(long cost, long liveBytes) {
      if (liveBytes > peak) {
        PEAK.setRelease(this, liveBytes);
      }
      USED.setRelease(this, used + cost);
      OPERATIONS.setRelease(this, operations + 1);
    }

    /**
     * Whether {@code cost} would take the meter past its budget; a {@link #TOO_LARGE} always does.
     */
    boolean cannotPay(long cost) {
      return cost > budget - used || cost == TOO_LARGE;
    }

    /**
     * The gas of an allocation, or {@link #TOO_LARGE} when it does not fit in a {@code long} (the
     * prices go up to 2^40 gas per word, so a large allocation or peak can overflow): more than any
     * budget, so such an operation is refused rather than failing with {@link ArithmeticException}.
     */
    long allocationCost(long bytes, long liveBytes) {
      try {
        long cost = schedule.allocationCost(bytes);
        if (liveBytes > peak) {
          cost = Math.addExact(cost, schedule.memoryCost(liveBytes) - schedule.memoryCost(peak));
        }
        return cost;
      } catch (ArithmeticException tooLarge) {
        return TOO_LARGE;
      }
    }

    /** {@link GasSchedule#payloadWriteCost}, or {@link #TOO_LARGE} past a {@code long}. */
    long payloadWriteCost(long bytes) {
      try {
        return schedule.payloadWriteCost(bytes);
      } catch (ArithmeticException tooLarge) {
        return TOO_LARGE;
      }
    }

    long flatCost(boolean reference) {
      return reference ? schedule.referenceWriteGas() : schedule.payloadWriteGas();
    }

    MeterExhaustedException refuse(String operation, long cost) {
      return new MeterExhaustedException(
          operation + " on the " + owner.resource, cost, used, budget, operations);
    }

    @Override
    public long budget() {
      return budget;
    }

    @Override
    public long used() {
      return used;
    }

    @Override
    public GasSchedule schedule() {
      return schedule;
    }

    @Override
    public long peakBytes() {
      return peak;
    }

    @Override
    public long operations() {
      return operations;
    }

    @Override
    public boolean isOpen() {
      return isOpen;
    }

    @Override
    public void close() {
      if (!isOpen) {
        return;
      }
      if (Thread.currentThread() != thread) {
        throw new IllegalStateException(
            "a gas meter is closed by the thread that opened it (" + thread.getName() + ")");
      }
      if (owner.innermost.get() != this) {
        throw new IllegalStateException(
            "gas meters close innermost first: one opened inside this one is still open");
      }
      isOpen = false;
      owner.closed(this);
    }

    @Override
    public String toString() {
      return "GasMeter[used " + used + " of " + budget + ", peak " + peak + " bytes]";
    }
  }
}
