package dev.omega.mem.spi;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Constant facts about a collector, published by its provider so that the heap can prepare what the
 * collector needs (as MMTk plans publish their constraints). The heap reads them once, when it is
 * built: it dispatches no reference write to a collector without {@link Trait#WRITE_BARRIER}, lets
 * several mutators run at once only for one with {@link Trait#CONCURRENT_MUTATORS}, and grants the
 * reference-counting passes ({@link ReferenceCountPasses}) only with {@link
 * Trait#COUNTS_REFERENCES}.
 *
 * @param traits what the collector declares; copied, never null
 */
public record CollectorTraits(Set<Trait> traits) {

  /** One fact a collector may declare. */
  public enum Trait {
    /** Keeps objects in generations and collects young ones separately. */
    GENERATIONAL,
    /** Wants {@link HeapEvents#onReferenceWrite} for every reference write. */
    WRITE_BARRIER,
    /** May move objects (handles and ids stay valid either way). */
    MOVES_OBJECTS,
    /** Does its work in bounded steps interleaved with mutators. */
    INCREMENTAL,
    /** Keeps reference counts in object headers; may free objects from its barrier. */
    COUNTS_REFERENCES,
    /**
     * Its {@link HeapEvents} may run on several mutator threads at once, and it frees objects only
     * inside {@link HeapAccess#stopTheWorld}. Without it the heap runs one mutator operation at a
     * time (a lock), as a collector whose barrier keeps unsynchronised state needs.
     */
    CONCURRENT_MUTATORS
  }

  public CollectorTraits {
    Objects.requireNonNull(traits, "traits is null");
    traits = traits.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(traits));
  }

  /** The traits named, and no others. */
  public static CollectorTraits of(Trait... traits) {
    return new CollectorTraits(Set.of(traits));
  }

  public boolean has(Trait trait) {
    return traits.contains(trait);
  }

  public boolean generational() {
    return has(Trait.GENERATIONAL);
  }

  public boolean needsWriteBarrier() {
    return has(Trait.WRITE_BARRIER);
  }

  public boolean movesObjects() {
    return has(Trait.MOVES_OBJECTS);
  }

  public boolean incremental() {
    return has(Trait.INCREMENTAL);
  }

  public boolean countsReferences() {
    return has(Trait.COUNTS_REFERENCES);
  }

  public boolean concurrentMutators() {
    return has(Trait.CONCURRENT_MUTATORS);
  }
}
