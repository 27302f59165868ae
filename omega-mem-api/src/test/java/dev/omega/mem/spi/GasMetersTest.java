package dev.omega.mem.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
import org.junit.jupiter.api.Test;

/**
 * The shared charging: expected gas is worked out here by hand from the defaults (10 per
 * allocation, 3 per word, memory {@code 3 * w + w * w / 512}, 5 per reference write, 3 per payload
 * word).
 */
class GasMetersTest {
  private final GasMeters meters = new GasMeters("test");

  @Test
  void chargePayloadWrite_zeroBudget_refusesTheFirstOperationChargingNothing() {
    try (GasMeter meter = meters.open(0, GasSchedule.defaults())) {
      MeterExhaustedException e =
          assertThrows(MeterExhaustedException.class, () -> meters.chargePayloadWrite("put"));
      assertEquals(
          "out of gas: put on the test costs 3 gas and only 0 of the budget of 0 is left"
              + " (metered operation #0)",
          e.getMessage());
      assertEquals(3, e.cost());
      assertEquals(0, e.used());
      assertEquals(0, e.budget());
      assertEquals(0, e.operationIndex());
      assertEquals(0, meter.used());
      assertEquals(0, meter.operations());
    }
  }

  @Test
  void charges_untilTheBudget_refuseExactlyTheOperationThatDoesNotFit() {
    try (GasMeter meter = meters.open(20, GasSchedule.defaults())) {
      meters.chargeReferenceWrite("set"); // 5
      meters.chargePayloadWrite("put"); // 8
      meters.chargeReferenceWrite("set"); // 13
      meters.chargePayloadWrite(64, "fill"); // 2 words: 19
      MeterExhaustedException e =
          assertThrows(MeterExhaustedException.class, () -> meters.chargePayloadWrite("put"));
      assertEquals(4, e.operationIndex());
      assertEquals(19, e.used());
      assertEquals(19, meter.used());
      assertEquals(1, meter.remaining());
      assertEquals(4, meter.operations());
    }
  }

  @Test
  void chargePayloadWrite_bulk_chargesPerWordAtLeastOne() {
    try (GasMeter meter = meters.open(1000, GasSchedule.defaults())) {
      meters.chargePayloadWrite(0, "fill"); // at least one word: 3
      meters.chargePayloadWrite(32, "fill"); // 1 word: 6
      meters.chargePayloadWrite(33, "fill"); // 2 words: 12
      assertEquals(12, meter.used());
      MeterExhaustedException e =
          assertThrows(
              MeterExhaustedException.class, () -> meters.chargePayloadWrite(32 * 400, "copy"));
      assertTrue(
          e.getMessage().startsWith("out of gas: copy of 12800 bytes on the test costs 1200"));
    }
  }

  @Test
  void chargeAllocation_newPeaks_chargeTheGrowthOfTheQuadraticMemoryCost() {
    try (GasMeter meter = meters.open(1_000_000, GasSchedule.defaults())) {
      // 16384 bytes = 512 words: 10 + 3 * 512 = 1546; memory 3 * 512 + 512 * 512 / 512 = 2048
      meters.chargeAllocation(16384, 16384, "a");
      assertEquals(1546 + 2048, meter.used());
      // 1024 words live: memory 3 * 1024 + 1024 * 1024 / 512 = 5120, growth 3072 > 2048
      meters.chargeAllocation(16384, 32768, "b");
      assertEquals(1546 + 2048 + 1546 + 3072, meter.used());
      // below the peak: no memory charge
      meters.chargeAllocation(16384, 32768, "c");
      assertEquals(1546 + 2048 + 1546 + 3072 + 1546, meter.used());
      assertEquals(32768, meter.peakBytes());
    }
  }

  @Test
  void open_withLiveBytes_chargesOnlyTheGrowthFromThem() {
    try (GasMeter meter = meters.open(1_000_000, GasSchedule.defaults(), 16384)) {
      // 16448 bytes = 514 words: 3 * 514 + 514 * 514 / 512 = 1542 + 516 = 2058, from 2048: 10;
      // 64 bytes: 10 + 3 * 2 = 16
      meters.chargeAllocation(64, 16448, "a");
      assertEquals(26, meter.used());
    }
  }

  @Test
  void checkAllocation_chargesNothing() {
    try (GasMeter meter = meters.open(22, GasSchedule.defaults())) {
      meters.checkAllocation(64, 64, "allocate"); // 16 + 6 = 22 fits
      assertEquals(0, meter.used());
      assertEquals(0, meter.peakBytes());
      MeterExhaustedException e =
          assertThrows(
              MeterExhaustedException.class, () -> meters.checkAllocation(64, 96, "allocate"));
      assertEquals(
          "out of gas: allocate of 64 bytes on the test costs 25 gas and only 22 of the budget"
              + " of 22 is left (metered operation #0)",
          e.getMessage());
    }
  }

  @Test
  void chargeAllocation_costPastALong_isRefusedNotOverflowed() {
    GasSchedule dear =
        new GasSchedule(GasSchedule.MAX_GAS, GasSchedule.MAX_GAS, GasSchedule.MAX_GAS, 1, 0, 0);
    try (GasMeter meter = meters.open(Long.MAX_VALUE, dear)) {
      MeterExhaustedException e =
          assertThrows(
              MeterExhaustedException.class,
              () -> meters.chargeAllocation(1L << 30, 1L << 30, "allocate"));
      assertEquals(Long.MAX_VALUE, e.cost());
      assertThrows(
          MeterExhaustedException.class,
          () -> meters.chargeAllocation(Long.MAX_VALUE, Long.MAX_VALUE, "allocate"));
      assertEquals(0, meter.used());
    }
    assertEquals(1L << 58, GasSchedule.words(Long.MAX_VALUE));
  }

  @Test
  void nestedMeters_chargeBoth_andTheTighterRefusesForBoth() {
    try (GasMeter outer = meters.open(1000, GasSchedule.defaults())) {
      try (GasMeter inner = meters.open(7, GasSchedule.defaults())) {
        meters.chargePayloadWrite("put");
        meters.chargePayloadWrite("put");
        MeterExhaustedException e =
            assertThrows(MeterExhaustedException.class, () -> meters.chargePayloadWrite("put"));
        assertEquals(7, e.budget());
        assertEquals(6, inner.used());
        assertEquals(6, outer.used());
      }
      meters.chargePayloadWrite("put");
      assertEquals(9, outer.used());
    }
    try (GasMeter outer = meters.open(4, GasSchedule.defaults());
        GasMeter inner = meters.open(1000, GasSchedule.defaults())) {
      meters.chargePayloadWrite("put");
      MeterExhaustedException e =
          assertThrows(MeterExhaustedException.class, () -> meters.chargePayloadWrite("put"));
      assertEquals(4, e.budget());
      assertEquals(3, inner.used());
      assertEquals(3, outer.used());
    }
  }

  @Test
  void close_outOfOrder_isRefusedAndTheMetersStillCharge() {
    GasMeter outer = meters.open(100, GasSchedule.defaults());
    GasMeter inner = meters.open(100, GasSchedule.defaults());
    assertThrows(IllegalStateException.class, outer::close);
    meters.chargePayloadWrite("put");
    assertEquals(3, outer.used());
    assertEquals(3, inner.used());
    inner.close();
    outer.close();
    assertFalse(meters.active());
  }

  @Test
  void close_fromAnotherThread_isRefused() throws Exception {
    try (GasMeter meter = meters.open(100, GasSchedule.defaults())) {
      Throwable[] thrown = new Throwable[1];
      Thread other = new Thread(() -> thrown[0] = catchThrowable(meter::close));
      other.start();
      other.join();
      assertTrue(thrown[0] instanceof IllegalStateException, String.valueOf(thrown[0]));
      assertTrue(meter.isOpen());
    }
  }

  @Test
  void charges_onAThreadWithoutAMeter_chargeNothing() throws Exception {
    try (GasMeter meter = meters.open(100, GasSchedule.defaults())) {
      Thread other =
          new Thread(
              () -> {
                meters.chargePayloadWrite("put");
                meters.chargeAllocation(64, 64, "allocate");
              });
      other.start();
      other.join();
      assertTrue(meters.active());
      assertEquals(0, meter.used());
    }
    assertFalse(meters.active());
    assertFalse(meters.meteredHere());
  }

  @Test
  void open_negativeBudget_isRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> meters.open(-1, GasSchedule.defaults()));
    assertEquals("a gas budget is 0 or more, got -1", e.getMessage());
    assertFalse(meters.active());
  }

  private static Throwable catchThrowable(Runnable action) {
    try {
      action.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
