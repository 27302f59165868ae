package dev.omega.mem.api.gc;

/**
 * A transaction on a {@link ManagedHeap}, opened by {@link ManagedHeap#begin()}: the allocations,
 * reference writes, payload writes and global-root changes the opening thread makes while it is
 * open are kept by {@link #commit()} and undone by {@link #rollback()}.
 *
 * <p>Undo is exact: after a rollback every slot and payload byte written inside holds its value
 * from before, the global roots are those from before in the same order, and {@link
 * ManagedHeap#digest()} equals the digest taken before {@link ManagedHeap#begin()}. Objects
 * allocated inside are undone too: a collection at the rollback frees them (their ids become stale,
 * their cleanup callbacks run and weak references to them clear), whether a collection ran inside
 * the transaction or not, unless a scope opened before the transaction still holds them. That
 * collection is a full one, so a rollback of a frame that allocated costs a collection of the heap.
 *
 * <p>A thread that ends with a transaction open has it rolled back, every frame, at the next pause
 * (a collection, a snapshot, a digest); the objects it allocated are freed by the collection after.
 *
 * <p>Transactions nest like call frames: one begun while another is open on the thread is a frame
 * inside it; committing a frame hands its effects to the enclosing one, which may still roll them
 * back. Frames end innermost first.
 *
 * <p>What is not undone: writes made by other threads meanwhile (a transaction records its own
 * thread's), gas already charged by a {@link dev.omega.mem.api.GasMeter}, and weak references and
 * cleanup callbacks registered inside (they go with their objects when those are freed).
 *
 * <p>Thread safety: confined to the thread that began it.
 */
public interface HeapTransaction extends AutoCloseable {

  /** Keeps the effects (handing them to the enclosing frame, if any). */
  void commit();

  /** Undoes the effects. */
  void rollback();

  /** Rolls back unless committed or rolled back already; nothing otherwise. */
  @Override
  void close();

  /** 1 for an outermost transaction, 2 for a frame inside it, and so on. */
  int depth();

  /** Whether neither {@link #commit()} nor {@link #rollback()} has ended it. */
  boolean isOpen();
}
