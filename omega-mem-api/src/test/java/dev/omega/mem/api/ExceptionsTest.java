package dev.omega.mem.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exceptions' messages and the numbers they carry. */
class ExceptionsTest {

  @Test
  void configProblem_toString_namesKeyValueAndWhatIsExpected() {
    assertEquals(
        "block_size: 1000 (expected: a power of two between 512 and 1 MiB)",
        new ConfigProblem("block_size", 1000, "a power of two between 512 and 1 MiB").toString());
    assertEquals(
        "leak_detection: null (expected: one of DISABLED, SAMPLED, FULL)",
        new ConfigProblem("leak_detection", null, "one of DISABLED, SAMPLED, FULL").toString());
  }

  @Test
  void configProblem_withoutKeyOrExpectation_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ConfigProblem(" ", 1, "x"));
    assertThrows(IllegalArgumentException.class, () -> new ConfigProblem(null, 1, "x"));
    assertThrows(IllegalArgumentException.class, () -> new ConfigProblem("k", 1, ""));
    assertThrows(IllegalArgumentException.class, () -> new ConfigProblem("k", 1, null));
  }

  @Test
  void configurationException_oneProblem_isOneLine() {
    ConfigurationException e =
        new ConfigurationException(new ConfigProblem("history_size", 0, "1 to 1000000"));
    assertEquals("invalid configuration: history_size: 0 (expected: 1 to 1000000)", e.getMessage());
  }

  @Test
  void configurationException_severalProblems_areCountedAndListedOneALine() {
    List<ConfigProblem> problems = new ArrayList<>();
    problems.add(new ConfigProblem("a", 1, "x"));
    problems.add(new ConfigProblem("b", "two", "y"));
    ConfigurationException e = new ConfigurationException(problems);
    assertEquals(
        "invalid configuration (2 problems):\n  a: 1 (expected: x)\n  b: two (expected: y)",
        e.getMessage());
    problems.clear();
    assertEquals(2, e.problems().size(), "a copy: the caller's list does not change it");
    assertThrows(
        UnsupportedOperationException.class,
        () -> e.problems().add(new ConfigProblem("c", 3, "z")));
  }

  @Test
  void configurationException_withNoProblem_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ConfigurationException(List.of()));
  }

  @Test
  void throwIfAny_throwsOnlyWhenThereIsAProblem() {
    ConfigurationException.throwIfAny(List.of());
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> ConfigurationException.throwIfAny(List.of(new ConfigProblem("a", 1, "x"))));
    assertEquals(List.of(new ConfigProblem("a", 1, "x")), e.problems());
  }

  @Test
  void outOfMemory_carriesTheFiguresAPersonNeedsToAct() {
    OutOfMemoryException e =
        new OutOfMemoryException(
            "cannot allocate 8192 bytes", 8192, Priority.HIGH, 4096, 2048, 0.5);
    assertEquals("cannot allocate 8192 bytes", e.getMessage());
    assertEquals(8192, e.requestedBytes());
    assertEquals(Priority.HIGH, e.priority());
    assertEquals(4096, e.freeBytes());
    assertEquals(2048, e.largestFreeRunBytes());
    assertEquals(0.5, e.fragmentation());
  }

  @Test
  void quotaExceeded_carriesDomainLimitAndRequest() {
    QuotaExceededException e =
        new QuotaExceededException("domain tenant: 70000 of 65536 bytes", "tenant", 65536, 70000);
    assertEquals("domain tenant: 70000 of 65536 bytes", e.getMessage());
    assertEquals("tenant", e.domain());
    assertEquals(65536, e.limit());
    assertEquals(70000, e.requested());
  }

  @Test
  void everyException_isAnUncheckedOmegaMemoryException_keepingItsMessage() {
    List<RuntimeException> all =
        List.of(
            new ConfigurationException(new ConfigProblem("k", 1, "x")),
            new OutOfMemoryException("m", 1, Priority.LOW, 0, 0, 0),
            new QuotaExceededException("m", "d", 1, 2),
            new RateLimitedException("m"),
            new UseAfterFreeException("m"),
            new DoubleFreeException("m"),
            new AccessViolationException("m"));
    for (RuntimeException e : all) {
      assertInstanceOf(OmegaMemoryException.class, e);
    }
    for (RuntimeException e : all.subList(1, all.size())) {
      assertEquals("m", e.getMessage(), e.getClass().getSimpleName());
    }
  }

  @Test
  void omegaMemoryException_keepsItsCause() {
    IllegalStateException cause = new IllegalStateException("closed");
    OmegaMemoryException e = new OmegaMemoryException("pool unusable", cause);
    assertEquals("pool unusable", e.getMessage());
    assertSame(cause, e.getCause());
  }
}
