package dev.omega.mem.pool;

import dev.omega.mem.api.LeakReport;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds blocks that became unreachable in Java without {@code deallocate}.
 *
 * <p>Design note. A tracked block gets a {@link Tracked} phantom reference holding what is needed
 * to report and reclaim it (region, index, size, site) but not the block itself. {@code deallocate}
 * clears it. If the program drops the handle instead, the JVM enqueues the reference after the
 * block is collected, and {@link #poll()} turns it into a report. There are no false positives by
 * construction: a block reachable from Java is never enqueued. Cost: one phantom reference and a
 * stack walk per tracked block (every block at FULL, one in N at SAMPLED); nothing at DISABLED.
 *
 * <p>Thread safety: thread-safe.
 */
final class LeakTracker {
  private final ReferenceQueue<Block> queue = new ReferenceQueue<>();
  private final Set<Tracked> live = ConcurrentHashMap.newKeySet();
  private static final StackWalker WALKER = StackWalker.getInstance();

  /** Frames of the allocation machinery, skipped to find the caller's site. */
  private static final Set<String> INTERNAL =
      Set.of(
          LeakTracker.class.getName(),
          OffHeapMemoryManager.class.getName(),
          Domain.class.getName(),
          "dev.omega.mem.api.MemoryManager",
          "dev.omega.mem.api.MemoryDomain");

  /** Registers {@code block}, capturing the caller outside this package as its site. */
  void track(TrackedBlock block, String domain) {
    String site =
        WALKER.walk(
            frames ->
                frames
                    .filter(f -> !INTERNAL.contains(f.getClassName()))
                    .findFirst()
                    .map(f -> f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber())
                    .orElse("unknown"));
    Tracked tracked = new Tracked(block, queue, site, domain);
    live.add(tracked);
    block.leak = tracked;
  }

  /** The block was freed properly. */
  void untrack(Block block) {
    if (block instanceof TrackedBlock t && t.leak != null) {
      Tracked tracked = t.leak;
      live.remove(tracked);
      tracked.clear();
    }
  }

  /** Tracked blocks the JVM found unreachable since the last call. */
  List<Tracked> poll() {
    List<Tracked> found = new ArrayList<>();
    Reference<? extends Block> ref;
    while ((ref = queue.poll()) != null) {
      Tracked tracked = (Tracked) ref;
      if (live.remove(tracked)) {
        found.add(tracked);
      }
    }
    return found;
  }

  /** Sites of tracked blocks still allocated (for the close report). */
  List<LeakReport> outstanding() {
    List<LeakReport> reports = new ArrayList<>();
    for (Tracked t : live) {
      reports.add(new LeakReport(t.size, t.site, t.domain, false));
    }
    return reports;
  }

  /** What is known of one tracked block. */
  static final class Tracked extends PhantomReference<Block> {
    final Region region;
    final int index;
    final long size;
    final long requested;
    final String site;
    final String domain;

    Tracked(Block block, ReferenceQueue<Block> queue, String site, String domain) {
      super(block, queue);
      this.region = block.region;
      this.index = block.index;
      this.size = block.size();
      this.requested = block.requestedSize();
      this.site = site;
      this.domain = domain;
    }
  }
}
