package dev.omega.mem.api.gc;

import java.util.List;

/**
 * What a collector has done since it started.
 *
 * @param collector collector name
 * @param collectionsPerGeneration collections whose oldest collected generation was index i (one
 *     entry for non-generational collectors)
 * @param objectsFreed objects reclaimed
 * @param bytesFreed bytes reclaimed
 * @param objectsPromoted objects moved to an older generation
 * @param cyclesFound garbage cycles found by cycle detection
 * @param pauses pause distribution
 */
public record CollectionStatistics(
    String collector,
    List<Long> collectionsPerGeneration,
    long objectsFreed,
    long bytesFreed,
    long objectsPromoted,
    long cyclesFound,
    PauseStatistics pauses) {

  public CollectionStatistics {
    collectionsPerGeneration = List.copyOf(collectionsPerGeneration);
  }

  /** Collections of any generation. */
  public long totalCollections() {
    long sum = 0;
    for (long count : collectionsPerGeneration) {
      sum += count;
    }
    return sum;
  }
}
