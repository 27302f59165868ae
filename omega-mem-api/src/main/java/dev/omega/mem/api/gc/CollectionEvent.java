package dev.omega.mem.api.gc;

/**
 * One finished collection (or one step of an incremental one), as a monitor or JFR sees it.
 *
 * @param collector collector name
 * @param cause why it ran
 * @param generation oldest generation collected (0 for non-generational collectors)
 * @param pauseNanos time mutators were stopped during it, summed over its pauses
 * @param objectsFreed objects reclaimed by it
 * @param bytesFreed bytes reclaimed by it
 * @param objectsPromoted objects it moved to an older generation
 */
public record CollectionEvent(
    String collector,
    CollectionCause cause,
    int generation,
    long pauseNanos,
    long objectsFreed,
    long bytesFreed,
    long objectsPromoted) {}
