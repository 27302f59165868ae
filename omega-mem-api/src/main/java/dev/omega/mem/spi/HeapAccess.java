package dev.omega.mem.spi;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * What a collector may see and do on a managed heap. Objects are named by {@code long} ids (0 is
 * null); an id stays the same for an object's life and is not reused while any handle could still
 * name it.
 *
 * <p>Header fields a collector may use freely: a {@linkplain #mark mark} word (colours, mark bits,
 * tri-colour state), a {@linkplain #referenceCount reference count} and the {@linkplain #generation
 * generation}. The heap does not interpret them.
 *
 * <p>Concurrency: mutators change the graph under the heap's mutator lock. A collector that must
 * see a still graph runs inside {@link #stopTheWorld}; one that runs concurrently relies on its
 * barrier ({@link #install}). Reading ids of objects the collector freed is a collector bug and
 * throws {@link IllegalStateException}.
 */
public interface HeapAccess {

  /** Bytes the heap may use. */
  long capacityBytes();

  /** Bytes held by the objects {@link #objectCount} counts, headers included. */
  long usedBytes();

  /**
   * Objects not yet freed: the live ones, plus garbage a collector has found but not yet swept (a
   * lazy sweep frees it in later short pauses; an explicit collection leaves none).
   */
  long objectCount();

  /** Number of generations the heap keeps per object ({@code generational_count}). */
  int generations();

  /** Live objects in one generation, in O(1). */
  long objectsInGeneration(int generation);

  /** Visits every root hold: global roots and the objects of every open scope (may repeat ids). */
  void forEachRoot(LongConsumer visitor);

  /** Visits every live object. */
  void forEachObject(LongConsumer visitor);

  /** Visits every live object of one generation. */
  void forEachObjectInGeneration(int generation, LongConsumer visitor);

  int referenceSlots(long object);

  /** The id in {@code object}'s slot, or 0. */
  long reference(long object, int slot);

  /**
   * Every {@link #reference} of {@code object} in one call: copies the ids its slots hold, in slot
   * order and without the nulls, into {@code into} from {@code offset}, and returns how many. A
   * tracer that reads each object's children once per visit saves the id check and the storage
   * lookup that each separate call repeats. If {@code into} has fewer than {@link
   * #referenceSlots}{@code (object)} places from {@code offset}, it copies nothing and returns
   * minus that slot count, so the caller can grow its buffer and call again.
   *
   * @throws IndexOutOfBoundsException if {@code offset} is not between 0 and {@code into.length}
   */
  int references(long object, long[] into, int offset);

  /** Bytes the object holds, header included. */
  long sizeBytes(long object);

  boolean isLive(long object);

  int generation(long object);

  /** Moves an object to another generation (promotion). */
  void setGeneration(long object, int generation);

  int mark(long object);

  void setMark(long object, int mark);

  int referenceCount(long object);

  void setReferenceCount(long object, int count);

  /**
   * Adds {@code delta} to the reference count and returns the new count: the barrier's increment or
   * decrement in one call instead of a read and a write.
   */
  int addToReferenceCount(long object, int delta);

  /**
   * Frees a garbage object: runs its cleanup callbacks, clears weak references to it, returns its
   * memory, and makes every handle to it stale. The caller guarantees it is unreachable. Called in
   * a pause, or from a barrier (a reference-counting collector frees there): the callbacks then run
   * at the end of the pause, or of the mutator operation whose barrier freed it.
   *
   * @return the bytes it held, header included (what {@link #sizeBytes} said)
   */
  long free(long object);

  /**
   * The sweep of a tracing collector in one call: frees every object of {@code generation} whose
   * mark is not {@code liveMark} (as {@link #free} does), and moves every other one to {@code
   * survivorGeneration}, reporting each moved id to {@code moved} (pass the same generation to keep
   * survivors where they are; {@code moved} is then not called). Equivalent to {@link
   * #forEachObjectInGeneration} with {@link #free} and {@link #setGeneration}, but with no id
   * checks or garbage list per object, which is most of a sweep's cost on a large heap. Call it
   * inside {@link #stopTheWorld}. A collector that only counts what moved can pass a consumer that
   * does nothing and read {@link Swept#moved()}: the heap then need not make an id per survivor.
   *
   * @return the objects and bytes (headers included) freed, and the objects moved
   */
  Swept sweep(int generation, int liveMark, int survivorGeneration, LongConsumer moved);

  /**
   * Starts a <em>lazy</em> sweep of {@code generation}: the objects in it now whose mark is not
   * {@code liveMark} are garbage, to be freed by later {@link #sweepSome} calls, so the pause that
   * ends marking need not also free every dead object. Weak references to that garbage are cleared
   * at once, so no mutator can reach it meanwhile; objects that enter the generation later
   * (allocated or promoted) are not swept. Call it inside {@link #stopTheWorld}, at the end of
   * marking. Until {@link #sweepPending} turns false the collector must not change the marks of
   * that generation's objects (the sweep still reads them), and {@link #sweep} or another {@code
   * beginSweep} of it throws {@link IllegalStateException}. Survivors stay in {@code generation}.
   */
  default void beginSweep(int generation, int liveMark) {
    beginSweep(generation, liveMark, generation);
  }

  /**
   * {@link #beginSweep(int, int)} that also moves each survivor to {@code survivorGeneration} when
   * a {@link #sweepSome} step reaches it: the promotion of a generational collector, spread over
   * the same bounded steps as the freeing. Until the sweep ends, a survivor not reached yet is
   * still in {@code generation}, so a collector that keeps a remembered set must treat references
   * written from it as written from {@code survivorGeneration}. An object a sweep moves lands
   * outside any sweep pending on {@code survivorGeneration}.
   */
  void beginSweep(int generation, int liveMark, int survivorGeneration);

  /**
   * Continues the lazy sweep of {@code generation} over at most {@code maxObjects} objects; call
   * inside {@link #stopTheWorld}. Objects swept are gone when it returns.
   *
   * @return what it freed and moved; {@link #sweepPending} tells whether more is left
   */
  Swept sweepSome(int generation, int maxObjects);

  /** Whether a lazy sweep of {@code generation} has objects left to look at. */
  boolean sweepPending(int generation);

  /**
   * What one {@link #sweep} or {@link #sweepSome} did.
   *
   * @param objects objects freed
   * @param bytes bytes freed, headers included
   * @param moved survivors moved to another generation
   */
  record Swept(long objects, long bytes, long moved) {
    public Swept {
      if (objects < 0 || bytes < 0 || moved < 0) {
        throw new IllegalArgumentException(
            "swept objects, bytes and moved must not be negative, got "
                + objects
                + ", "
                + bytes
                + " and "
                + moved);
      }
    }
  }

  /**
   * A capability the heap grants by the collector's traits ({@link CollectorTraits}): for example
   * {@link ReferenceCountPasses} to a collector with {@link
   * CollectorTraits.Trait#COUNTS_REFERENCES}. Empty when not granted, so a collector that can do
   * without it checks once, when it is built.
   */
  <T> java.util.Optional<T> capability(Class<T> type);

  /**
   * Runs {@code call} with the calling thread at a safepoint, and returns what it returns. A
   * collector's public methods take their own lock through it: a thread inside the heap (an open
   * scope) that waited for that lock while another thread's collection held it would otherwise hold
   * that collection's pause up.
   */
  default <T> T atSafepoint(java.util.function.Supplier<T> call) {
    return call.get();
  }

  /**
   * Installs the collector's barriers; replaces any installed before. A collector that implements
   * {@link HeapEvents} need not call it: the heap installs it once {@link
   * GarbageCollectorProvider#create} has returned it, fully built. Never call it from a collector's
   * constructor, which would let the heap call barriers on a half-built object.
   */
  void install(HeapEvents events);

  /**
   * Runs {@code work} with every mutator stopped (no reference write, allocation or root change
   * happens meanwhile) and returns how long mutators were stopped, in nanoseconds. On a heap that
   * has closed meanwhile (a collection a mutator started as the heap was closed), {@code work} does
   * not run.
   */
  long stopTheWorld(Runnable work);

  /**
   * {@link #stopTheWorld(Runnable)} for work that computes something: returns what {@code work}
   * returned together with how long mutators were stopped, so a collector need not carry the result
   * out of the pause through a captured array. On a heap that has closed meanwhile, {@code work}
   * does not run and the value is {@code null}.
   */
  default <T> Pause<T> stopTheWorldFor(Supplier<T> work) {
    AtomicReference<T> value = new AtomicReference<>();
    long nanos = stopTheWorld(() -> value.set(work.get()));
    return new Pause<>(value.get(), nanos);
  }

  /**
   * What one {@link #stopTheWorldFor} pause computed, and how long it stopped mutators.
   *
   * @param value what the work returned; {@code null} if it did not run (heap closed)
   * @param nanos how long mutators were stopped, in nanoseconds
   */
  record Pause<T>(T value, long nanos) {
    public Pause {
      if (nanos < 0) {
        throw new IllegalArgumentException("pause nanos must not be negative, got " + nanos);
      }
    }
  }
}
