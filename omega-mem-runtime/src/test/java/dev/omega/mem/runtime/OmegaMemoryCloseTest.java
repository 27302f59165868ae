package dev.omega.mem.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.monitor.PerformanceMonitor;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a system whose parts fail to close, and a build that fails part way. */
class OmegaMemoryCloseTest {
  @TempDir Path dir;
  private MemoryManager manager;
  private ManagedHeap heap;
  private PerformanceMonitor monitor;

  @BeforeEach
  void plugins() {
    TestPlugins.reset();
    manager = mock(MemoryManager.class);
    heap = mock(ManagedHeap.class);
    monitor = mock(PerformanceMonitor.class);
    TestPlugins.manager = manager;
    TestPlugins.heap = heap;
    TestPlugins.monitor = monitor;
  }

  @AfterEach
  void forget() {
    TestPlugins.reset();
  }

  private OmegaMemory build() throws Exception {
    return OmegaMemory.builder().classLoader(TestPlugins.loader(dir)).build();
  }

  @Test
  void close_monitorAndHeapCloseThrow_closesTheManagerAndThrowsTheFirstWithOthersSuppressed()
      throws Exception {
    IllegalStateException historyWrite = new IllegalStateException("history write failed");
    IllegalStateException heapClose = new IllegalStateException("heap close failed");
    doThrow(historyWrite).when(monitor).close();
    doThrow(heapClose).when(heap).close();
    OmegaMemory omega = build();

    IllegalStateException thrown = assertThrows(IllegalStateException.class, omega::close);

    assertSame(historyWrite, thrown);
    assertTrue(
        Arrays.asList(thrown.getSuppressed()).contains(heapClose),
        Arrays.toString(thrown.getSuppressed()));
    verify(heap).close();
    verify(manager).close();
  }

  @Test
  void close_calledAgainAfterAFailingClose_doesNothingAndThrowsNothing() throws Exception {
    doThrow(new IllegalStateException("history write failed")).when(monitor).close();
    OmegaMemory omega = build();
    assertThrows(IllegalStateException.class, omega::close);

    assertDoesNotThrow(omega::close);

    verify(monitor, times(1)).close();
    verify(manager, times(1)).close();
  }

  @Test
  void build_monitorProviderThrows_closesTheManagerAndHeapItBuilt() throws Exception {
    IllegalStateException refused = new IllegalStateException("monitor cannot start");
    TestPlugins.monitorCreateFailure = refused;
    IllegalStateException closeFailed = new IllegalStateException("heap close failed");
    doThrow(closeFailed).when(heap).close();

    RuntimeException thrown = assertThrows(RuntimeException.class, this::build);

    Throwable cause = thrown;
    while (cause != null && cause != refused) {
      cause = cause.getCause();
    }
    assertSame(refused, cause, "the provider's failure propagates: " + thrown);
    assertEquals(1, thrown.getSuppressed().length, Arrays.toString(thrown.getSuppressed()));
    assertSame(closeFailed, thrown.getSuppressed()[0]);
    verify(heap).close();
    verify(manager).close();
  }
}
