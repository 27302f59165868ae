package dev.omega.mem.spi;

/**
 * Constant facts about a collector, published by its provider so that the heap can prepare what the
 * collector needs (as MMTk plans publish their constraints).
 *
 * @param generational keeps objects in generations and collects young ones separately
 * @param needsWriteBarrier wants {@link HeapEvents#onReferenceWrite} for every reference write
 * @param movesObjects may move objects (handles stay valid either way)
 * @param incremental does its work in bounded steps interleaved with mutators
 * @param countsReferences keeps reference counts in object headers
 */
public record CollectorTraits(
    boolean generational,
    boolean needsWriteBarrier,
    boolean movesObjects,
    boolean incremental,
    boolean countsReferences) {}
