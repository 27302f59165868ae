package dev.omega.mem.api;

/**
 * An operation's gas would take a {@link GasMeter} past its budget. Thrown before the operation
 * changes anything: the object or block is not allocated, the slot not written, and nothing is
 * charged.
 */
public final class MeterExhaustedException extends OmegaMemoryException {
  private static final long serialVersionUID = 1L;

  private final String operation;
  private final long cost;
  private final long used;
  private final long budget;
  private final long operationIndex;

  public MeterExhaustedException(
      String operation, long cost, long used, long budget, long operationIndex) {
    super(
        "out of gas: "
            + operation
            + " costs "
            + cost
            + " gas and only "
            + (budget - used)
            + " of the budget of "
            + budget
            + " is left (metered operation #"
            + operationIndex
            + ")");
    this.operation = operation;
    this.cost = cost;
    this.used = used;
    this.budget = budget;
    this.operationIndex = operationIndex;
  }

  /** What was refused, such as {@code allocate(2 slots, 16 bytes)}. */
  public String operation() {
    return operation;
  }

  /** The gas the operation would have cost. */
  public long cost() {
    return cost;
  }

  /** The gas used when it was refused (unchanged by the refusal). */
  public long used() {
    return used;
  }

  /** The meter's budget. */
  public long budget() {
    return budget;
  }

  /** The refused operation's number among the meter's operations, counting from 0. */
  public long operationIndex() {
    return operationIndex;
  }
}
