package dev.omega.mem.it;

import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.CollectionListener;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.CycleReport;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.PauseStatistics;
import dev.omega.mem.spi.CollectorTraits;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.spi.HeapAccess;
import java.time.Duration;
import java.util.List;

/**
 * A user-written collector, written only against the SPI: Epsilon, which reclaims nothing (like the
 * JVM's Epsilon GC, for short-lived runs and for measuring allocation alone). It still answers
 * every call truthfully: no collection ran, nothing was freed. Chosen with {@code
 * collection_strategy = epsilon}.
 */
public final class EpsilonCollectorProvider implements GarbageCollectorProvider {
  @Override
  public String name() {
    return "epsilon";
  }

  @Override
  public CollectorTraits traits() {
    return CollectorTraits.of(CollectorTraits.Trait.CONCURRENT_MUTATORS);
  }

  @Override
  public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
    return new Epsilon(false);
  }

  /**
   * {@code faulty}: Epsilon whose collections throw, for fault-injection tests of what the heap and
   * manager do when a collector plugin fails.
   */
  public static final class FaultyProvider implements GarbageCollectorProvider {
    @Override
    public String name() {
      return "faulty";
    }

    @Override
    public CollectorTraits traits() {
      return CollectorTraits.of(CollectorTraits.Trait.CONCURRENT_MUTATORS);
    }

    @Override
    public GarbageCollector create(GarbageCollectorConfig config, HeapAccess heap) {
      return new Epsilon(true);
    }
  }

  static final class Epsilon implements GarbageCollector {
    private final boolean faulty;
    private volatile boolean running;

    Epsilon(boolean faulty) {
      this.faulty = faulty;
    }

    private boolean fault() {
      if (faulty) {
        SuiteTally.FAULTS.increment();
        throw new IllegalStateException("injected collector fault");
      }
      return false;
    }

    @Override
    public String name() {
      return faulty ? "faulty" : "epsilon";
    }

    @Override
    public boolean startCollectionCycle() {
      boolean was = running;
      running = true;
      return !was;
    }

    @Override
    public boolean stopCollectionCycle() {
      boolean was = running;
      running = false;
      return was;
    }

    @Override
    public boolean isCollectionCycleRunning() {
      return running;
    }

    @Override
    public boolean forceCollection() {
      return fault();
    }

    @Override
    public boolean collect(CollectionCause cause) {
      return fault();
    }

    @Override
    public CollectionStatistics getCollectionStatistics() {
      return new CollectionStatistics("epsilon", List.of(0L), 0, 0, 0, 0, PauseStatistics.empty());
    }

    @Override
    public List<String> verifyIntegrity() {
      return List.of(); // Epsilon keeps no state about the heap.
    }

    @Override
    public void addCollectionListener(CollectionListener listener) {
      // Epsilon never collects, so a listener is never called; keeping none is truthful.
      java.util.Objects.requireNonNull(listener, "collection listener is null");
    }

    @Override
    public boolean removeCollectionListener(CollectionListener listener) {
      return false;
    }

    @Override
    public CycleReport detectCycles() {
      return new CycleReport(0, 0, 0, Duration.ZERO);
    }

    @Override
    public void close() {
      running = false;
    }
  }
}
