package dev.omega.mem.testkit;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that checks, after every test, that what the test built is still consistent,
 * in the manner of Caffeine's validation interceptor: tests hand their managers and heaps to it and
 * it calls their {@code verifyIntegrity()} once the test body is done (pool pages accounted exactly
 * once, free lists matching the strategy, reference counts matching the graph, the remembered set
 * complete, ...), then checks that nothing leaked, then closes what it was given.
 *
 * <pre>{@code
 * @RegisterExtension final InvariantChecker invariants = new InvariantChecker();
 *
 * @Test void churn() {
 *   OmegaMemory omega = invariants.closeAfter(OmegaMemory.create());
 *   invariants.track(omega.memoryManager());
 *   ...
 * }
 * }</pre>
 *
 * A test that means to leave blocks allocated says so with {@link #allowLiveBlocks()}. Checks are
 * counted across the JVM ({@link #checksPassed()}) so a suite can report how many ran.
 */
public final class InvariantChecker implements AfterEachCallback {
  private static final AtomicLong PASSED = new AtomicLong();
  private static final AtomicLong FAILED = new AtomicLong();

  private final List<MemoryManager> managers = new ArrayList<>();
  private final List<ManagedHeap> heaps = new ArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private boolean allowLiveBlocks;

  /** A checker with nothing to check yet; register it with {@code @RegisterExtension}. */
  public InvariantChecker() {}

  /** Checks {@code manager} after the test, and that it has no live blocks then. */
  public synchronized <M extends MemoryManager> M track(M manager) {
    managers.add(Objects.requireNonNull(manager, "manager is null"));
    return manager;
  }

  /** Checks {@code heap} (and its collector) after the test. */
  public synchronized <H extends ManagedHeap> H track(H heap) {
    heaps.add(Objects.requireNonNull(heap, "heap is null"));
    return heap;
  }

  /** Closes {@code resource} after the checks, last registered first. */
  public synchronized <C extends AutoCloseable> C closeAfter(C resource) {
    toClose.add(Objects.requireNonNull(resource, "resource is null"));
    return resource;
  }

  /** This test leaves blocks allocated on purpose (they are released by closing). */
  public synchronized void allowLiveBlocks() {
    allowLiveBlocks = true;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    List<String> problems = new ArrayList<>();
    synchronized (this) {
      try {
        for (ManagedHeap heap : heaps) {
          for (String p : heap.verifyIntegrity()) {
            problems.add("heap: " + p);
          }
        }
        for (MemoryManager manager : managers) {
          for (String p : manager.verifyIntegrity()) {
            problems.add("manager: " + p);
          }
          // With a heap tracked, live blocks are the heap's objects; the heap's own checks and
          // its close account for them.
          long live =
              allowLiveBlocks || !heaps.isEmpty() ? 0 : manager.getStatistics().liveBlocks();
          if (live != 0) {
            problems.add(
                "manager: "
                    + live
                    + " blocks are still allocated after the test (call allowLiveBlocks() if"
                    + " intended)");
          }
        }
      } finally {
        for (int i = toClose.size() - 1; i >= 0; i--) {
          toClose.get(i).close();
        }
        managers.clear();
        heaps.clear();
        toClose.clear();
        allowLiveBlocks = false;
      }
    }
    if (!problems.isEmpty()) {
      FAILED.incrementAndGet();
      throw new AssertionError(
          "invariants broken after "
              + context.getDisplayName()
              + ":\n  "
              + String.join("\n  ", problems));
    }
    PASSED.incrementAndGet();
  }

  /** Invariant checks that passed in this JVM so far. */
  public static long checksPassed() {
    return PASSED.get();
  }

  /** Invariant checks that found a problem in this JVM so far. */
  public static long checksFailed() {
    return FAILED.get();
  }
}
