package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.QuotaExceededException;
import dev.omega.mem.api.RateLimitedException;
import dev.omega.mem.api.UseAfterFreeException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.NOPLoggerFactory;

class AuditLogTest {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private AuditLog previous;
  private OffHeapMemoryManager manager;

  @BeforeEach
  void captureLines() {
    previous =
        AuditLog.install(
            new AuditLog(
                (warning, line) -> lines.add(line), clock::get, AuditLog.LINES_PER_WINDOW));
    manager = Fixtures.manager(1 << 20);
  }

  @AfterEach
  void restore() {
    manager.close();
    AuditLog.install(previous);
  }

  private List<String> linesOf(String event) {
    return lines.stream().filter(l -> l.startsWith("event=" + event + " ")).toList();
  }

  @Test
  void createDomain_nameWithNewline_cannotStartAForgedLine() {
    manager.createDomain(DomainConfig.unlimited("tenant\nevent=all_clear \"x\"=y\r\u2028"));

    assertEquals(1, lines.size(), lines.toString());
    String line = lines.get(0);
    assertEquals(
        "event=domain_opened domain=\"tenant\\nevent=all_clear \\\"x\\\"=y\\r\\u2028\"", line);
    assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\u2028"), line);
  }

  @Test
  void line_valueWithSpacesEqualsAndControls_isQuotedAndEscaped() {
    assertEquals("event=x k=plain-1.2", AuditLog.line("x", "k", "plain-1.2"));
    assertEquals("event=x k=\"a b=c\\u0007\\\\\"", AuditLog.line("x", "k", "a b=c\u0007\\"));
    assertEquals("event=x k=\"\"", AuditLog.line("x", "k", ""));
  }

  @Test
  void allocate_twentyThousandRefusals_writeAtMostTheLimitAndOneSummary() {
    MemoryDomain domain =
        manager.createDomain(DomainConfig.unlimited("flood").withMaxAllocationSize(64));
    for (int i = 0; i < 20_000; i++) {
      assertThrows(QuotaExceededException.class, () -> domain.allocate(128, Priority.NORMAL));
    }
    clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
    domain.close(); // the next event of any kind writes the summary of the ended window

    List<String> refusals = linesOf("quota_exceeded");
    List<String> summaries = linesOf("suppressed");
    assertEquals(AuditLog.LINES_PER_WINDOW, refusals.size());
    assertEquals(1, summaries.size(), summaries.toString());
    assertTrue(
        summaries
            .get(0)
            .contains("kind=quota_exceeded count=" + (20_000 - AuditLog.LINES_PER_WINDOW)),
        summaries.get(0));
  }

  @Test
  void flush_windowStillOpen_writesTheSuppressedCount() {
    for (int i = 0; i < AuditLog.LINES_PER_WINDOW + 5; i++) {
      AuditLog.violation("double_free", "size", 8);
    }
    AuditLog.flush();
    assertEquals(
        List.of("event=suppressed kind=double_free count=5 window_ms=1000"), linesOf("suppressed"));
  }

  @Test
  void domainClose_writesDomainClosed() {
    manager.createDomain(DomainConfig.unlimited("tenant-a")).close();
    assertEquals(List.of("event=domain_closed domain=tenant-a"), linesOf("domain_closed"));
  }

  @Test
  void deallocate_twice_writesDoubleFree() {
    MemoryBlock block = manager.allocate(64, Priority.NORMAL);
    manager.deallocate(block);
    assertThrows(DoubleFreeException.class, () -> manager.deallocate(block));
    assertEquals(1, linesOf("double_free").size(), lines.toString());
  }

  @Test
  void getByte_afterFree_writesUseAfterFree() {
    MemoryBlock block = manager.allocate(64, Priority.NORMAL);
    manager.deallocate(block);
    assertThrows(UseAfterFreeException.class, () -> block.getByte(0));
    assertEquals(1, linesOf("use_after_free").size(), lines.toString());
  }

  @Test
  void setByte_sealedBlock_writesSealedWrite() {
    MemoryBlock block = manager.allocate(64, Priority.NORMAL);
    block.seal();
    assertThrows(AccessViolationException.class, () -> block.setByte(0, (byte) 1));
    assertEquals(List.of("event=sealed_write offset=0 length=1 size=64"), linesOf("sealed_write"));
  }

  @Test
  void getByte_pastTheEnd_writesOutOfBounds() {
    MemoryBlock block = manager.allocate(64, Priority.NORMAL);
    assertThrows(IndexOutOfBoundsException.class, () -> block.getByte(64));
    assertEquals(
        List.of("event=out_of_bounds offset=64 length=1 size=64"), linesOf("out_of_bounds"));
  }

  @Test
  void allocate_aboveDomainQuota_writesQuotaExceeded() {
    MemoryDomain domain = manager.createDomain(DomainConfig.unlimited("small").withMaxBlocks(1));
    domain.allocate(64, Priority.NORMAL);
    assertThrows(QuotaExceededException.class, () -> domain.allocate(64, Priority.NORMAL));
    assertEquals(
        List.of("event=quota_exceeded domain=small kind=blocks limit=1"),
        linesOf("quota_exceeded"));
  }

  @Test
  void allocate_aboveDomainRate_writesRateLimited() {
    MemoryDomain domain =
        manager.createDomain(DomainConfig.unlimited("slow").withMaxAllocationsPerSecond(1));
    domain.allocate(64, Priority.NORMAL);
    assertThrows(RateLimitedException.class, () -> domain.allocate(64, Priority.NORMAL));
    assertEquals(List.of("event=rate_limited domain=slow limit=1"), linesOf("rate_limited"));
  }

  @Test
  void sinkFor_noSlf4jProvider_fallsBackToTheSystemLogger() {
    assertInstanceOf(AuditLog.SystemLoggerSink.class, AuditLog.sinkFor(new NOPLoggerFactory()));
  }

  @Test
  void sinkFor_slf4jProviderBound_usesSlf4j() {
    assertInstanceOf(
        AuditLog.Slf4jSink.class, AuditLog.sinkFor(org.slf4j.LoggerFactory.getILoggerFactory()));
  }
}
