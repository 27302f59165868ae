package dev.omega.mem.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.omega.mem.api.gc.CollectionCause;
import dev.omega.mem.api.gc.GarbageCollector;
import dev.omega.mem.api.gc.ManagedHeap;
import org.junit.jupiter.api.Test;

class CollectorBridgeTest {

  @Test
  void managerOutOfMemory_collectsAnOrdinaryHeap_thenTrims() {
    ManagedHeap heap = mock(ManagedHeap.class);
    GarbageCollector collector = mock(GarbageCollector.class);
    when(heap.collector()).thenReturn(collector);
    when(collector.collect(CollectionCause.ALLOCATION_FAILURE)).thenReturn(true);
    CollectorBridge bridge = new CollectorBridge();
    assertFalse(bridge.collect(), "no heap attached: nothing collected");
    bridge.attach(heap);
    assertTrue(bridge.collect());
    verify(collector).collect(CollectionCause.ALLOCATION_FAILURE);
    verify(heap).trim();
  }

  /**
   * Another thread's allocation can run the manager out of memory at any point of a deterministic
   * heap's program: collecting it there would put a collection where timing decides.
   */
  @Test
  void managerOutOfMemory_neverCollectsADeterministicHeap_onlyTrimsIt() {
    ManagedHeap heap = mock(ManagedHeap.class);
    GarbageCollector collector = mock(GarbageCollector.class);
    when(heap.deterministic()).thenReturn(true);
    when(heap.collector()).thenReturn(collector);
    when(heap.trim()).thenReturn(4096L);
    CollectorBridge bridge = new CollectorBridge();
    bridge.attach(heap);
    assertTrue(bridge.collect(), "trimmed memory is reported");
    verify(collector, never()).collect(any());
    verify(heap).trim();
  }
}
