package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MeterExhaustedException;
import dev.omega.mem.api.OutOfMemoryException;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.api.UseAfterFreeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A domain's gas meters. The expected figures are worked out by hand from the default schedule: 10
 * per allocation plus 3 per 32-byte word requested; memory {@code 3 * w + w * w / 512} for a peak
 * of {@code w} words of the domain's used bytes (usable sizes: 64 for 64, 112 for 100, 320 for
 * 257); 3 per payload word written, at least one per write.
 */
class DomainMeterTest {
  private static final long MIB = 1 << 20;

  private final OffHeapMemoryManager manager = Fixtures.manager(4 * MIB);
  private final MemoryDomain domain = manager.createDomain(DomainConfig.unlimited("contract"));

  @AfterEach
  void closeManager() {
    manager.close();
  }

  @Test
  void meter_knownSequence_usedAndRemainingAreExact() {
    try (GasMeter meter = domain.meter(1000, GasSchedule.defaults())) {
      // 257 bytes: 9 words, 10 + 27 = 37; 320 live = 10 words, memory 30 + 100 / 512 = 30
      MemoryBlock a = domain.allocate(257);
      assertEquals(67, meter.used());
      a.setLong(0, 1); // 70
      a.fill((byte) 7); // 257 bytes, 9 words: 97
      a.copyFrom(new byte[64], 0, 0, 64); // 2 words: 103
      a.getLong(0); // reads are free
      a.copyTo(0, new byte[10], 0, 10);
      assertEquals(103, meter.used());
      // 100 bytes: 4 words, 22; 432 live = 14 words, memory 42 + 196 / 512 = 42, growth 12
      MemoryBlock b = domain.allocate(100);
      assertEquals(137, meter.used());
      a.copyTo(0, b, 0, 100); // a write to b, 4 words: 149
      domain.deallocate(a); // frees are free
      b.setByte(0, (byte) 1); // 152
      b.setInt(4, 1); // 155
      assertEquals(155, meter.used());
      assertEquals(845, meter.remaining());
      assertEquals(8, meter.operations());
      assertEquals(432, meter.peakBytes());
    }
  }

  @Test
  void allocate_newPeaks_chargeSuperlinearMemoryGrowth() {
    try (GasMeter meter = domain.meter(1_000_000, GasSchedule.defaults())) {
      // 16384 bytes = 512 words: 10 + 1536 = 1546; memory 1536 + 512 * 512 / 512 = 2048
      domain.allocate(16384);
      assertEquals(1546 + 2048, meter.used());
      // 32768 live = 1024 words: memory 3072 + 1024 * 1024 / 512 = 5120, so 3072 more: the same
      // allocation's memory charge grew with the bytes already held
      domain.allocate(16384);
      assertEquals(1546 + 2048 + 1546 + 3072, meter.used());
    }
  }

  @Test
  void allocate_belowThePeakAfterAFree_chargesNoMemory() {
    try (GasMeter meter = domain.meter(1_000_000, GasSchedule.defaults())) {
      domain.deallocate(domain.allocate(16384)); // 1546 + 2048
      domain.deallocate(domain.allocate(64)); // far below the peak: 16, and no refund either
      assertEquals(1546 + 2048 + 16, meter.used());
      domain.allocate(16384); // back to the peak, not above it: 1546
      assertEquals(1546 + 2048 + 16 + 1546, meter.used());
      // 16448 live = 514 words: memory 1542 + 264196 / 512 = 2058, 10 above 2048; 64: 16
      domain.allocate(64);
      assertEquals(1546 + 2048 + 16 + 1546 + 26, meter.used());
    }
  }

  @Test
  void meter_openedOnAHoldingDomain_chargesOnlyTheGrowth() {
    domain.allocate(16384); // before the meter: not charged, but the meter's first peak
    try (GasMeter meter = domain.meter(1_000_000, GasSchedule.defaults())) {
      assertEquals(16384, meter.peakBytes());
      domain.allocate(64); // 16 + 10, as above
      assertEquals(26, meter.used());
    }
  }

  @Test
  void allocate_pastTheBudget_isRefusedWithNothingChanged() {
    try (GasMeter meter = domain.meter(100, GasSchedule.defaults())) {
      List<MemoryBlock> blocks = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        blocks.add(domain.allocate(64)); // 16 + 6 (2 more words of memory) each: 88
      }
      MeterExhaustedException e =
          assertThrows(MeterExhaustedException.class, () -> domain.allocate(64));
      assertEquals(
          "out of gas: allocate of 64 bytes on the domain 'contract' costs 22 gas and only 12 of"
              + " the budget of 100 is left (metered operation #4)",
          e.getMessage());
      assertEquals(88, meter.used());
      assertEquals(4, meter.operations());
      assertEquals(4, domain.blockCount());
      assertEquals(256, domain.usedBytes());
      assertEquals(256, meter.peakBytes());
      // the rest of the budget still pays for writes, to the last unit
      for (int i = 0; i < 4; i++) {
        blocks.get(i).setLong(0, i); // 3 each: 100
      }
      assertEquals(0, meter.remaining());
    }
  }

  @Test
  void setLong_pastTheBudget_isRefusedAndLeavesTheBlock() {
    MemoryBlock block = domain.allocate(64);
    block.setLong(0, 42);
    try (GasMeter meter = domain.meter(5, GasSchedule.defaults())) {
      block.setLong(8, 1); // 3
      MeterExhaustedException e =
          assertThrows(MeterExhaustedException.class, () -> block.setLong(0, 7));
      assertEquals(
          "out of gas: write of 8 bytes on the domain 'contract' costs 3 gas and only 2 of the"
              + " budget of 5 is left (metered operation #1)",
          e.getMessage());
      assertThrows(MeterExhaustedException.class, () -> block.setByte(0, (byte) 7));
      assertThrows(MeterExhaustedException.class, () -> block.setInt(0, 7));
      assertEquals(42, block.getLong(0));
      assertEquals(3, meter.used());
      assertEquals(1, meter.operations());
    }
  }

  @Test
  void bulkWrites_pastTheBudget_areRefusedAndLeaveTheBlock() {
    MemoryBlock block = domain.allocate(256);
    MemoryBlock source = domain.allocate(256);
    block.fill((byte) 1);
    byte[] ones = block.toByteArray();
    try (GasMeter meter = domain.meter(23, GasSchedule.defaults())) {
      // 256 bytes are 8 words: 24 each
      assertThrows(MeterExhaustedException.class, () -> block.fill((byte) 2));
      assertThrows(MeterExhaustedException.class, () -> block.fill(0, 256, (byte) 2));
      assertThrows(MeterExhaustedException.class, () -> block.copyFrom(new byte[256], 0, 0, 256));
      assertThrows(MeterExhaustedException.class, () -> source.copyTo(0, block, 0, 256));
      assertArrayEquals(ones, block.toByteArray());
      assertEquals(0, meter.used());
      block.fill(0, 224, (byte) 3); // 7 words: 21 fits
      assertEquals(21, meter.used());
    }
  }

  @Test
  void writes_refusedByTheirOwnChecks_chargeNothing() {
    MemoryBlock sealed = domain.allocate(64);
    sealed.seal();
    MemoryBlock freed = domain.allocate(64);
    domain.deallocate(freed);
    MemoryBlock block = domain.allocate(64);
    try (GasMeter meter = domain.meter(1000, GasSchedule.defaults())) {
      assertThrows(AccessViolationException.class, () -> sealed.setLong(0, 1));
      assertThrows(UseAfterFreeException.class, () -> freed.setLong(0, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> block.setLong(60, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> block.fill(0, 65, (byte) 1));
      assertThrows(UseAfterFreeException.class, () -> freed.copyTo(0, block, 0, 8));
      assertEquals(0, meter.used());
      assertEquals(0, meter.operations());
    }
  }

  @Test
  void allocate_pastTheQuota_throwsQuotaExceededFirstAndChargesNothing() {
    MemoryDomain small = manager.createDomain(DomainConfig.unlimited("small").withMaxBlocks(1));
    try (GasMeter meter = small.meter(22, GasSchedule.defaults())) {
      small.allocate(64); // 22: the budget is spent
      assertThrows(QuotaExceededException.class, () -> small.allocate(64));
      assertEquals(22, meter.used());
      assertEquals(1, meter.operations());
    }
  }

  @Test
  void allocate_outOfMemory_chargesNothing() {
    try (GasMeter meter = domain.meter(Long.MAX_VALUE, GasSchedule.defaults())) {
      long used = 0;
      long operations = 0;
      try {
        for (int i = 0; i < 64; i++) {
          domain.allocate(MIB / 4);
          assertTrue(meter.used() > used);
          used = meter.used();
          operations = meter.operations();
        }
      } catch (OutOfMemoryException expected) {
        assertEquals(used, meter.used());
        assertEquals(operations, meter.operations());
        assertEquals(operations * (MIB / 4), domain.usedBytes());
        return;
      }
      throw new AssertionError("a 4 MiB pool held 64 blocks of 256 KiB");
    }
  }

  @Test
  void nestedMeters_chargeBoth_andTheTighterOneRefuses() {
    try (GasMeter outer = domain.meter(1000, GasSchedule.defaults())) {
      MemoryBlock block;
      try (GasMeter inner = domain.meter(30, GasSchedule.defaults())) {
        block = domain.allocate(64); // 22
        block.setLong(0, 1); // 25
        MeterExhaustedException e =
            assertThrows(MeterExhaustedException.class, () -> domain.allocate(64));
        assertEquals(30, e.budget());
        assertEquals(25, inner.used());
        assertEquals(25, outer.used());
        assertEquals(1, domain.blockCount());
      }
      domain.allocate(64); // 22 for the outer only: 47
      assertEquals(47, outer.used());
      try (GasMeter inner = domain.meter(1000, GasSchedule.defaults())) {
        assertEquals(128, inner.peakBytes());
        block.setLong(0, 2); // 3 both
        assertEquals(3, inner.used());
        assertEquals(50, outer.used());
      }
    }
  }

  @Test
  void nestedMeters_tighterOuter_refusesForBoth() {
    MemoryBlock block = domain.allocate(64);
    try (GasMeter outer = domain.meter(4, GasSchedule.defaults());
        GasMeter inner = domain.meter(1000, GasSchedule.defaults())) {
      block.setLong(0, 1); // 3 both
      MeterExhaustedException e =
          assertThrows(MeterExhaustedException.class, () -> block.setLong(0, 2));
      assertEquals(4, e.budget());
      assertEquals(3, inner.used());
      assertEquals(3, outer.used());
      assertEquals(1, block.getLong(0));
      assertThrows(MeterExhaustedException.class, () -> domain.allocate(1));
      assertEquals(1, domain.blockCount());
    }
  }

  @Test
  void close_outOfOrder_isRefused() {
    GasMeter outer = domain.meter(100, GasSchedule.defaults());
    GasMeter inner = domain.meter(100, GasSchedule.defaults());
    assertThrows(IllegalStateException.class, outer::close);
    domain.allocate(64).setLong(0, 1); // both still charge: 25
    assertEquals(25, outer.used());
    assertEquals(25, inner.used());
    inner.close();
    outer.close();
    domain.allocate(64);
    assertEquals(25, outer.used());
  }

  @Test
  void close_fromAnotherThread_isRefused() throws Exception {
    try (GasMeter meter = domain.meter(100, GasSchedule.defaults())) {
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread other =
          new Thread(
              () -> {
                try {
                  meter.close();
                } catch (Throwable t) {
                  thrown.set(t);
                }
              });
      other.start();
      other.join();
      assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
      assertTrue(meter.isOpen());
    }
  }

  @Test
  void meter_negativeBudget_isRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> domain.meter(-1, GasSchedule.defaults()));
    assertEquals("a gas budget is 0 or more, got -1", e.getMessage());
  }

  @Test
  void meter_onAClosedDomain_isRefused() {
    domain.close();
    assertThrows(IllegalStateException.class, () -> domain.meter(100, GasSchedule.defaults()));
  }

  @Test
  void meter_otherDomainsAndPlainBlocks_areNotCharged() {
    MemoryDomain other = manager.createDomain(DomainConfig.unlimited("other"));
    try (GasMeter meter = domain.meter(1000, GasSchedule.defaults())) {
      other.allocate(64).setLong(0, 1);
      manager.allocate(64).fill((byte) 1);
      domain.allocate(64).copyTo(0, other.allocate(64), 0, 64); // a read of this domain's block
      assertEquals(22, meter.used());
    }
  }

  @Test
  void meters_onManyThreads_chargeOnlyTheirOwnThread() throws Exception {
    // No memory charge (0 per word and w * w / 2^40 = 0 here), so each thread's figure does not
    // depend on what the others hold: allocations 10 + 3 * 2 = 16, writes 3 per word.
    GasSchedule flat = new GasSchedule(10, 3, 0, GasSchedule.MAX_GAS, 5, 3);
    int threads = 100;
    MemoryBlock shared = domain.allocate(64);
    CyclicBarrier allOpen = new CyclicBarrier(threads + 1);
    CyclicBarrier allDone = new CyclicBarrier(threads + 1);
    long[] used = new long[threads];
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int i = t;
      Thread thread =
          new Thread(
              () -> {
                try (GasMeter meter = domain.meter(1_000_000, flat)) {
                  allOpen.await();
                  List<MemoryBlock> own = new ArrayList<>();
                  for (int n = 0; n <= i % 5; n++) {
                    own.add(domain.allocate(64));
                  }
                  for (int n = 0; n < i; n++) {
                    shared.setLong((n % 8) * 8, n);
                  }
                  own.get(0).fill((byte) i);
                  allDone.await();
                  used[i] = meter.used();
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                  allOpen.reset();
                  allDone.reset();
                }
              });
      thread.start();
      started.add(thread);
    }
    allOpen.await();
    // this thread has no meter: its operations charge no one while all 100 are open
    for (int n = 0; n < 1000; n++) {
      domain.allocate(64).setLong(0, n);
    }
    allDone.await();
    for (Thread thread : started) {
      thread.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    long[] expected = new long[threads];
    for (int i = 0; i < threads; i++) {
      expected[i] = 16L * (i % 5 + 1) + 3L * i + 6;
    }
    assertArrayEquals(expected, used, Arrays.toString(used));
  }
}
