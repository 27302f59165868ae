package dev.omega.mem.spi;

import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
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
 * differently. The resource asks {@link #active()} first: one volatile read when no meter is open
 * on any thread, which is the cost metering adds to an unmetered operation.
 *
 * <p>Complexity: O(open meters of the thread) per charge.
 *
 * <p>Thread safety: a meter is charged and closed by the thread that opened it; the counters are
 * volatile so any thread may read them.
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

  /** Opens a meter on the calling thread, inside the one open there if any. */
  public GasMeter open(long budget, GasSchedule schedule) {
    Objects.requireNonNull(schedule, "schedule is null");
    if (budget < 0) {
      throw new IllegalArgumentException("a gas budget is 0 or more, got " + budget);
    }
    Meter outer = innermost.get();
    Meter m = new Meter(this, budget, schedule, outer, Thread.currentThread());
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
   * @param operation names the allocation in the refusal's message
   * @throws MeterExhaustedException if a meter cannot pay; nothing is charged then
   */
  public void chargeAllocation(long bytes, long liveBytes, String operation) {
    Meter top = open == 0 ? null : innermost.get();
    if (top == null) {
      return;
    }
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.allocationCost(bytes, liveBytes);
      if (cost > m.budget - m.used) {
        throw m.refuse(operation, cost);
      }
    }
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.allocationCost(bytes, liveBytes);
      m.peak = Math.max(m.peak, liveBytes);
      m.used += cost;
      m.operations++;
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

  private static void chargeFlat(Meter top, boolean reference, String operation) {
    for (Meter m = top; m != null; m = m.outer) {
      long cost = m.flatCost(reference);
      if (cost > m.budget - m.used) {
        throw m.refuse(operation, cost);
      }
    }
    for (Meter m = top; m != null; m = m.outer) {
      m.used += m.flatCost(reference);
      m.operations++;
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
    private final GasMeters owner;
    private final long budget;
    private final GasSchedule schedule;
    private final Meter outer;
    private final Thread thread;
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

    long allocationCost(long bytes, long liveBytes) {
      long cost = schedule.allocationCost(bytes);
      if (liveBytes > peak) {
        cost += schedule.memoryCost(liveBytes) - schedule.memoryCost(peak);
      }
      return cost;
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
