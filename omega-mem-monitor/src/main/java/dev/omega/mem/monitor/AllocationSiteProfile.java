package dev.omega.mem.monitor;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.MemoryBlock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * An allocation-site profile of the sampled allocations, in the manner of jemalloc's heap profile
 * and async-profiler's allocation mode: where the application allocates, and how much of it is
 * still live.
 *
 * <p>Terms. A <em>sampled allocation</em> is one the manager times and reports (about one in
 * {@value AllocationListener#SAMPLING_INTERVAL} per thread); of those, one in {@code oneIn} chosen
 * at random ({@value #DEFAULT_ONE_IN} by default) is <em>profiled</em>, so about one allocation in
 * {@link #samplingInterval()}. Nothing else is profiled. The stack walk costs microseconds (about 3
 * µs for a short stack on a loaded 2-core machine), which over every timed allocation would be
 * about 3 ns per allocation, some 10 % of a 25 ns allocate+free; one in {@value #DEFAULT_ONE_IN} of
 * them brings that to a fraction of a nanosecond. Its <em>site</em> is the first {@value #FRAMES}
 * stack frames below Omega's own library frames (the manager, the managed heap, the monitor): the
 * application code that asked for memory. A frame is written {@code class.method(File:line)}. The
 * built-in workloads of the command line are an application of the library, so their frames are
 * sites.
 *
 * <p>Figures per site, all of profiled blocks: <em>total</em> blocks and bytes ever allocated
 * there; <em>live</em> blocks and bytes not yet freed (a free decrements its own site, whichever
 * thread frees it); <em>leaked</em> blocks and bytes that became unreachable in Java without a
 * free. Each profiled block stands for about {@link #samplingInterval()} allocations of the same
 * kind.
 *
 * <p>Layout. Two Caffeine caches:
 *
 * <pre>
 *   sites:   Site.key (frames) ─► Site {key, LongAdder × 6}   maximumSize + expireAfterAccess
 *   samples: MemoryBlock (weak, identity) ─► Sample {site, size}
 * </pre>
 *
 * {@code sites} interns stack traces: every allocation from the same site gets the one {@code Site}
 * the cache holds, whose key is the first list of frames seen there, so identical sites share one
 * key and one set of counters. Its size bound and expiry keep a program with unbounded distinct
 * sites (generated code, deep recursion) from growing it: the least used sites, or those that have
 * allocated nothing for the expiry, are dropped with their figures. A block sampled at a dropped
 * site still decrements that (no longer listed) site when freed. {@code samples} holds the live
 * sampled blocks weakly, so a block dropped without a free leaves it on its own and is counted as
 * leaked; it has no size bound, being about one in {@link #samplingInterval()} of the live blocks.
 *
 * <p>Thread safety: thread-safe. Both caches are concurrent, the counters are {@link LongAdder}s,
 * and no lock is taken. Figures read while allocations go on are each exact, but not a consistent
 * cut across sites.
 */
final class AllocationSiteProfile {
  /** Frames that make one site: enough to tell two callers of a helper apart. */
  static final int FRAMES = 4;

  /** Default share of the timed allocations that are profiled: one in this many. */
  static final int DEFAULT_ONE_IN = 8;

  /** Default size bound of the site cache. */
  static final long DEFAULT_MAXIMUM_SITES = 4_096;

  /** Default time after which a site that allocated nothing is dropped. */
  static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(30);

  /** Package prefixes of Omega's library code, whose frames are never a site. */
  static final List<String> LIBRARY_PACKAGES =
      List.of(
          "dev.omega.mem.api.",
          "dev.omega.mem.spi.",
          "dev.omega.mem.pool.",
          "dev.omega.mem.gc.",
          "dev.omega.mem.monitor.",
          "dev.omega.mem.runtime.",
          "dev.omega.mem.strategies.");

  /** The site given when every frame on the stack is library code. */
  static final List<String> UNKNOWN_SITE = List.of("unknown");

  private static final StackWalker WALKER = StackWalker.getInstance();

  private final List<String> libraryPackages;
  private final int oneIn;
  private final Cache<List<String>, Site> sites;
  private final Cache<MemoryBlock, Sample> samples;

  AllocationSiteProfile() {
    this(DEFAULT_MAXIMUM_SITES, DEFAULT_EXPIRY, LIBRARY_PACKAGES, DEFAULT_ONE_IN);
  }

  /** {@code oneIn}: profile one timed allocation in this many, at random; 1 profiles them all. */
  AllocationSiteProfile(
      long maximumSites, Duration expiry, List<String> libraryPackages, int oneIn) {
    this(maximumSites, expiry, libraryPackages, oneIn, Ticker.systemTicker());
  }

  /** {@code ticker}: the time the expiry is measured in, so a test can move it without waiting. */
  AllocationSiteProfile(
      long maximumSites, Duration expiry, List<String> libraryPackages, int oneIn, Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker is null");
    if (oneIn < 1) {
      throw new IllegalArgumentException("one in must be positive, got " + oneIn);
    }
    this.oneIn = oneIn;
    if (maximumSites < 1) {
      throw new IllegalArgumentException("maximum sites must be positive, got " + maximumSites);
    }
    Objects.requireNonNull(expiry, "expiry is null");
    if (expiry.isNegative() || expiry.isZero()) {
      throw new IllegalArgumentException("expiry must be positive, got " + expiry);
    }
    this.libraryPackages = List.copyOf(libraryPackages);
    this.sites =
        Caffeine.newBuilder()
            .maximumSize(maximumSites)
            .expireAfterAccess(expiry)
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
    this.samples =
        Caffeine.newBuilder()
            .weakKeys()
            .executor(Runnable::run)
            .<MemoryBlock, Sample>removalListener(
                (block, sample, cause) -> {
                  if (cause == RemovalCause.COLLECTED && sample != null) {
                    sample.site().leaked(sample.size());
                  }
                })
            .build();
  }

  /**
   * Considers a timed allocation of {@code block} made by the calling thread: one in {@code oneIn}
   * is profiled, its site read from the calling thread's stack.
   */
  void allocated(MemoryBlock block, long size) {
    if (oneIn == 1 || ThreadLocalRandom.current().nextInt(oneIn) == 0) {
      allocated(block, size, WALKER.walk(this::siteOf));
    }
  }

  /** About how many allocations one profiled block stands for. */
  long samplingInterval() {
    return (long) AllocationListener.SAMPLING_INTERVAL * oneIn;
  }

  /** Records a sampled allocation of {@code block} at the site {@code frames}. */
  void allocated(MemoryBlock block, long size, List<String> frames) {
    Site site = sites.get(frames, Site::new);
    site.allocated(size);
    samples.put(block, new Sample(site, size));
  }

  /** Records the free of {@code block}; a block that was not sampled here is ignored. */
  void freed(MemoryBlock block) {
    Sample sample = samples.asMap().remove(block);
    if (sample != null) {
      sample.site().freed(sample.size());
    }
  }

  /** The first {@value #FRAMES} frames below the library's own, or {@link #UNKNOWN_SITE}. */
  private List<String> siteOf(Stream<StackWalker.StackFrame> frames) {
    List<String> site =
        frames
            .dropWhile(f -> isLibrary(f.getClassName()))
            .limit(FRAMES)
            .map(AllocationSiteProfile::frame)
            .toList();
    return site.isEmpty() ? UNKNOWN_SITE : site;
  }

  private boolean isLibrary(String className) {
    for (String prefix : libraryPackages) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static String frame(StackWalker.StackFrame f) {
    String file = f.getFileName();
    int line = f.getLineNumber();
    return f.getClassName()
        + "."
        + f.getMethodName()
        + "("
        + (file == null ? "Unknown Source" : file)
        + (line >= 0 ? ":" + line : "")
        + ")";
  }

  /**
   * Runs the caches' pending work now: drops expired and surplus sites, and counts the blocks that
   * were collected without a free as leaked. The caches do this on their own as they are used.
   */
  void cleanUp() {
    samples.cleanUp();
    sites.cleanUp();
  }

  /** Sites listed now (at most the size bound, once {@link #cleanUp} ran). */
  long siteCount() {
    return sites.estimatedSize();
  }

  /** The {@code limit} sites with the most live bytes, then the most total bytes. */
  List<SiteFigures> top(int limit) {
    cleanUp();
    List<SiteFigures> all = new ArrayList<>();
    for (Site site : sites.asMap().values()) {
      all.add(site.figures());
    }
    all.sort(
        Comparator.comparingLong(SiteFigures::liveBytes)
            .thenComparingLong(SiteFigures::totalBytes)
            .reversed());
    return List.copyOf(all.subList(0, Math.min(limit, all.size())));
  }

  /** The {@code limit} sites with the most leaked blocks; only sites that leaked. */
  List<SiteFigures> topLeaking(int limit) {
    cleanUp();
    List<SiteFigures> leaking = new ArrayList<>();
    for (Site site : sites.asMap().values()) {
      SiteFigures f = site.figures();
      if (f.leakedBlocks() > 0) {
        leaking.add(f);
      }
    }
    leaking.sort(Comparator.comparingLong(SiteFigures::leakedBlocks).reversed());
    return List.copyOf(leaking.subList(0, Math.min(limit, leaking.size())));
  }

  /** The figures of one site at one moment (sampled blocks only). */
  record SiteFigures(
      List<String> frames,
      long liveBlocks,
      long liveBytes,
      long totalBlocks,
      long totalBytes,
      long leakedBlocks,
      long leakedBytes) {
    SiteFigures {
      frames = List.copyOf(frames);
    }

    /** The innermost frame: the line that allocated. */
    String top() {
      return frames.get(0);
    }
  }

  /** A live sampled block: the site it counts against and its size. */
  private record Sample(Site site, long size) {}

  /** One interned site and its counters. */
  private static final class Site {
    private final List<String> key;
    private final LongAdder liveBlocks = new LongAdder();
    private final LongAdder liveBytes = new LongAdder();
    private final LongAdder totalBlocks = new LongAdder();
    private final LongAdder totalBytes = new LongAdder();
    private final LongAdder leakedBlocks = new LongAdder();
    private final LongAdder leakedBytes = new LongAdder();

    Site(List<String> key) {
      this.key = List.copyOf(key);
    }

    void allocated(long size) {
      totalBlocks.increment();
      totalBytes.add(size);
      liveBlocks.increment();
      liveBytes.add(size);
    }

    void freed(long size) {
      liveBlocks.decrement();
      liveBytes.add(-size);
    }

    void leaked(long size) {
      freed(size);
      leakedBlocks.increment();
      leakedBytes.add(size);
    }

    SiteFigures figures() {
      return new SiteFigures(
          key,
          liveBlocks.sum(),
          liveBytes.sum(),
          totalBlocks.sum(),
          totalBytes.sum(),
          leakedBlocks.sum(),
          leakedBytes.sum());
    }
  }
}
