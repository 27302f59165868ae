package dev.omega.mem.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.monitor.AllocationSiteProfile.SiteFigures;
import example.app.SiteAllocatingApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AllocationSiteProfileTest {
  /** A profile of every timed allocation, so that counts are exact. */
  static AllocationSiteProfile everyTimedAllocation() {
    return new AllocationSiteProfile(
        AllocationSiteProfile.DEFAULT_MAXIMUM_SITES,
        AllocationSiteProfile.DEFAULT_EXPIRY,
        AllocationSiteProfile.LIBRARY_PACKAGES,
        1);
  }

  private final AllocationSiteProfile profile = everyTimedAllocation();
  private final SiteAllocatingApp app = new SiteAllocatingApp(FakeBlocks::of, profile::allocated);

  private static SiteFigures site(List<SiteFigures> sites, String method) {
    return sites.stream()
        .filter(s -> s.top().startsWith("example.app.SiteAllocatingApp." + method + "("))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no site in " + method + " among " + sites));
  }

  @Test
  void allocated_fromTwoMethodsOfAnApplication_givesTwoSitesWithTheirCounts() {
    app.smallBuffers(7);
    app.pageBuffers(3);

    List<SiteFigures> sites = profile.top(10);

    assertEquals(2, sites.size(), sites.toString());
    SiteFigures small = site(sites, "smallBuffers");
    assertEquals(7, small.totalBlocks());
    assertEquals(7 * 64, small.totalBytes());
    assertEquals(7, small.liveBlocks());
    assertEquals(7 * 64, small.liveBytes());
    SiteFigures pages = site(sites, "pageBuffers");
    assertEquals(3, pages.totalBlocks());
    assertEquals(3 * 4096, pages.liveBytes());
    assertEquals(pages, sites.get(0), "most live bytes first");
  }

  @Test
  void allocated_siteSkipsOmegasFramesAndKeepsTheCallers() {
    app.smallBuffers(1);

    SiteFigures small = site(profile.top(1), "smallBuffers");

    assertTrue(
        small
            .top()
            .matches(
                "example\\.app\\.SiteAllocatingApp\\.smallBuffers\\(SiteAllocatingApp\\.java:\\d+\\)"),
        small.top());
    assertEquals(AllocationSiteProfile.FRAMES, small.frames().size(), small.frames().toString());
    assertTrue(
        small.frames().get(1).startsWith(getClass().getName() + "."), small.frames().toString());
  }

  @Test
  void allocated_sameSiteManyTimes_isOneInternedSite() {
    for (int i = 0; i < 5; i++) {
      profile.allocated(FakeBlocks.of(8), 8, List.of(new String("a.B.c(B.java:1)")));
    }

    assertEquals(1, profile.siteCount());
    assertEquals(5, profile.top(10).get(0).totalBlocks());
  }

  @Test
  void allocated_byDefault_profilesAboutOneTimedAllocationInEight() {
    AllocationSiteProfile sampled = new AllocationSiteProfile();
    SiteAllocatingApp sampledApp = new SiteAllocatingApp(FakeBlocks::of, sampled::allocated);

    List<MemoryBlock> kept = sampledApp.smallBuffers(16_000);

    long profiled = site(sampled.top(1), "smallBuffers").totalBlocks();
    // Binomial(16000, 1/8): mean 2000, standard deviation 42; 1700..2300 is beyond 7 of them.
    assertTrue(profiled > 1_700 && profiled < 2_300, "profiled " + profiled);
    assertEquals(8L * AllocationListener.SAMPLING_INTERVAL, sampled.samplingInterval());
    assertEquals(16_000, kept.size());
  }

  @Test
  void freed_decreasesLiveOfItsOwnSiteOnly_andKeepsTotals() {
    List<MemoryBlock> small = app.smallBuffers(4);
    app.pageBuffers(2);

    profile.freed(small.get(0));
    profile.freed(small.get(1));

    SiteFigures smallSite = site(profile.top(10), "smallBuffers");
    assertEquals(2, smallSite.liveBlocks());
    assertEquals(2 * 64, smallSite.liveBytes());
    assertEquals(4, smallSite.totalBlocks());
    SiteFigures pageSite = site(profile.top(10), "pageBuffers");
    assertEquals(2, pageSite.liveBlocks());
  }

  @Test
  void freed_twiceOrOfAnUnsampledBlock_changesNothing() {
    List<MemoryBlock> small = app.smallBuffers(2);

    profile.freed(small.get(0));
    profile.freed(small.get(0));
    profile.freed(FakeBlocks.of(64));

    assertEquals(1, site(profile.top(10), "smallBuffers").liveBlocks());
  }

  @Test
  void allocated_manyDistinctSites_staysWithinTheSizeBound() {
    AllocationSiteProfile bounded =
        new AllocationSiteProfile(
            100, Duration.ofMinutes(1), AllocationSiteProfile.LIBRARY_PACKAGES, 1);

    for (int i = 0; i < 20_000; i++) {
      bounded.allocated(FakeBlocks.of(16), 16, List.of("gen.Code" + i + ".run(Code.java:1)"));
    }
    bounded.cleanUp();

    assertTrue(bounded.siteCount() <= 100, "sites kept: " + bounded.siteCount());
    assertTrue(bounded.top(1000).size() <= 100);
  }

  /** A profile whose expiry runs on {@code now}, in nanoseconds, instead of the clock. */
  private static AllocationSiteProfile expiringAfter(Duration expiry, AtomicLong now) {
    return new AllocationSiteProfile(
        AllocationSiteProfile.DEFAULT_MAXIMUM_SITES,
        expiry,
        AllocationSiteProfile.LIBRARY_PACKAGES,
        1,
        now::get);
  }

  private static List<String> tops(AllocationSiteProfile profile) {
    return profile.top(10).stream().map(SiteFigures::top).sorted().toList();
  }

  @Test
  void top_siteIdleForTheExpiry_isDropped() {
    AtomicLong now = new AtomicLong();
    Duration expiry = Duration.ofMinutes(30);
    AllocationSiteProfile expiring = expiringAfter(expiry, now);
    expiring.allocated(FakeBlocks.of(16), 16, List.of("app.Idle.run(Idle.java:1)"));

    now.set(expiry.toNanos() - 1);
    assertEquals(List.of("app.Idle.run(Idle.java:1)"), tops(expiring), "kept until the expiry");
    now.set(expiry.toNanos());
    assertEquals(List.of(), tops(expiring), "dropped at the expiry");
    assertEquals(0, expiring.siteCount());
  }

  @Test
  void allocated_atAListedSite_restartsItsExpiry() {
    AtomicLong now = new AtomicLong();
    Duration expiry = Duration.ofMinutes(30);
    AllocationSiteProfile expiring = expiringAfter(expiry, now);
    expiring.allocated(FakeBlocks.of(16), 16, List.of("app.Busy.run(Busy.java:1)"));
    expiring.allocated(FakeBlocks.of(16), 16, List.of("app.Idle.run(Idle.java:1)"));

    now.set(Duration.ofMinutes(20).toNanos());
    expiring.allocated(FakeBlocks.of(16), 16, List.of("app.Busy.run(Busy.java:1)"));
    now.set(Duration.ofMinutes(40).toNanos());

    assertEquals(List.of("app.Busy.run(Busy.java:1)"), tops(expiring));
    assertEquals(2, expiring.top(10).get(0).totalBlocks(), "its figures are kept");
  }

  @Test
  void constructor_badBoundOrExpiry_isRefusedWithTheValue() {
    IllegalArgumentException size =
        assertThrows(
            IllegalArgumentException.class,
            () -> new AllocationSiteProfile(0, Duration.ofMinutes(1), List.of(), 1));
    assertEquals("maximum sites must be positive, got 0", size.getMessage());
    IllegalArgumentException expiry =
        assertThrows(
            IllegalArgumentException.class,
            () -> new AllocationSiteProfile(10, Duration.ZERO, List.of(), 1));
    assertEquals("expiry must be positive, got PT0S", expiry.getMessage());
  }

  @Test
  void blockDroppedWithoutFree_countsAsLeakedAtItsSite() throws InterruptedException {
    app.smallBuffers(3); // dropped at once: none is freed

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<SiteFigures> leaking = profile.topLeaking(10);
    while ((leaking.isEmpty() || leaking.get(0).leakedBlocks() < 3)
        && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
      leaking = profile.topLeaking(10);
    }

    SiteFigures small = site(leaking, "smallBuffers");
    assertEquals(3, small.leakedBlocks());
    assertEquals(3 * 64, small.leakedBytes());
    assertEquals(0, small.liveBlocks(), "a leaked block is no longer live");
  }

  @Test
  void allocatedAndFreed_from128Threads_keepsExactFigures() throws Exception {
    int threads = 128;
    int perThread = 400;
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      started.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                      List<MemoryBlock> small = app.smallBuffers(perThread);
                      List<MemoryBlock> pages = app.pageBuffers(perThread / 4);
                      for (int i = 0; i < small.size(); i += 2) {
                        profile.freed(small.get(i));
                      }
                      pages.forEach(profile::freed);
                      // Hold the blocks still live until the figures are read.
                      keep(small);
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    start.countDown();
    for (Thread t : started) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(t.isAlive(), "a worker is stuck");
    }
    if (failure.get() != null) {
      throw new AssertionError("a worker failed", failure.get());
    }

    List<SiteFigures> sites = profile.top(10);
    assertEquals(2, sites.size(), sites.toString());
    SiteFigures small = site(sites, "smallBuffers");
    assertEquals((long) threads * perThread, small.totalBlocks());
    assertEquals((long) threads * perThread / 2, small.liveBlocks());
    assertEquals((long) threads * perThread / 2 * 64, small.liveBytes());
    SiteFigures pages = site(sites, "pageBuffers");
    assertEquals((long) threads * perThread / 4, pages.totalBlocks());
    assertEquals(0, pages.liveBlocks());
    assertEquals(0, pages.liveBytes());
  }

  private final List<List<MemoryBlock>> kept = new ArrayList<>();

  private synchronized void keep(List<MemoryBlock> blocks) {
    kept.add(blocks);
  }
}
