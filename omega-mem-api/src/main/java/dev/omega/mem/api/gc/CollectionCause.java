package dev.omega.mem.api.gc;

/** Why a collection was asked for. */
public enum CollectionCause {
  /** Occupancy passed {@code collection_threshold}. */
  THRESHOLD,
  /** An allocation failed for want of memory; collect everything that can be collected. */
  ALLOCATION_FAILURE,
  /** The background cycle's schedule. */
  BACKGROUND,
  /** A program or an operator asked ({@code forceCollection}, JMX, the CLI). */
  EXPLICIT
}
