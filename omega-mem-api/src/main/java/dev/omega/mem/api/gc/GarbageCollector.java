package dev.omega.mem.api.gc;

import java.util.List;

/**
 * Reclaims the objects of a {@link ManagedHeap} that no root reaches. Each collector is a plugin
 * ({@code dev.omega.mem.spi.GarbageCollectorProvider}) chosen by {@code collection_strategy}.
 *
 * <p>Thread safety: every method may be called from any thread. Collections are serialised; a call
 * made while another thread collects waits for it and then returns.
 */
public interface GarbageCollector extends AutoCloseable {

  /** The name it was chosen by, such as {@code generational}. */
  String name();

  /**
   * Starts automatic collection on a background thread: collections run when occupancy passes
   * {@code collection_threshold}, and steps of incremental work are spread to keep pauses within
   * {@code max_pause_time}.
   *
   * @return {@code true} if this call started it, {@code false} if it was already running
   * @throws IllegalStateException on a deterministic heap, whose collections only allocation counts
   *     and bytes may decide
   */
  boolean startCollectionCycle();

  /**
   * Stops automatic collection and waits for the background thread to finish its current step.
   *
   * @return {@code true} if this call stopped it, {@code false} if it was not running
   */
  boolean stopCollectionCycle();

  /** Whether automatic collection is running. */
  boolean isCollectionCycleRunning();

  /**
   * Collects the whole heap now: afterwards every object no root reaches is freed.
   *
   * @return {@code true} when a collection ran
   */
  boolean forceCollection();

  /**
   * Collects as much as the cause calls for: a young collection for occupancy, everything for an
   * allocation that failed. The heap calls this; programs normally call {@link #forceCollection()}.
   *
   * @return {@code true} when a collection ran
   */
  boolean collect(CollectionCause cause);

  CollectionStatistics getCollectionStatistics();

  /**
   * Checks what the collector keeps about the heap against the heap itself, for example that
   * reference counts match the references in the object graph, or that the remembered set holds
   * only live objects. Collectors that keep nothing between collections have nothing to check and
   * return an empty list.
   *
   * @return one sentence per broken invariant; empty when all hold
   */
  List<String> verifyIntegrity();

  /** Registers {@code listener} for every collection that ends from now on. */
  void addCollectionListener(CollectionListener listener);

  /**
   * @return {@code true} if {@code listener} was registered
   */
  boolean removeCollectionListener(CollectionListener listener);

  /**
   * Finds garbage cycles now and frees them. The report names only cycle members (see {@link
   * CycleReport}): garbage on no cycle, such as an acyclic structure or a tail hanging off a cycle,
   * may be freed by the same call but is not counted.
   */
  CycleReport detectCycles();

  /** Stops the background cycle, if running. */
  @Override
  void close();
}
