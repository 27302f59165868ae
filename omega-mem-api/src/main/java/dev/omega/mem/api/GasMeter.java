package dev.omega.mem.api;

/**
 * A metered execution: gas charged for the memory operations of the thread that opened it, against
 * a budget, with the prices of a {@link GasSchedule}. Opened by {@link
 * dev.omega.mem.api.gc.ManagedHeap#meter} for a managed heap and by {@link MemoryDomain#meter} for
 * a domain's blocks.
 *
 * <p>An operation whose charge would take {@link #used()} past {@link #budget()} throws {@link
 * MeterExhaustedException} before it changes anything, and charges nothing. Meters nest: one opened
 * while another is open on the same thread and heap charges both, and an operation is refused when
 * either would run out. Closing a meter ends the metering; its figures stay readable.
 *
 * <p>Thread safety: charged by its thread only; the figures may be read from any thread.
 */
public interface GasMeter extends AutoCloseable {

  /** The gas this execution may use. */
  long budget();

  /** The gas charged so far: exact, the sum of every accepted operation's charge. */
  long used();

  /** {@code budget() - used()}. */
  default long remaining() {
    return budget() - used();
  }

  /** The prices this meter charges. */
  GasSchedule schedule();

  /**
   * The bytes the memory charge is priced on: for a managed heap, the bytes the execution has
   * allocated (its memory, which no collection shrinks); for a domain, the highest {@link
   * MemoryDomain#usedBytes()} it saw.
   */
  long peakBytes();

  /** Operations charged so far (the number of the next one, counting from 0, on refusal). */
  long operations();

  /** Whether the meter still charges. */
  boolean isOpen();

  /**
   * Stops charging. Meters close innermost first.
   *
   * @throws IllegalStateException if a meter opened after this one on its thread is still open, or
   *     if called from another thread
   */
  @Override
  void close();
}
