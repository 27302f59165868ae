package dev.omega.mem.monitor;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.omega.mem.api.AllocationFailure;
import dev.omega.mem.api.AllocationListener;
import dev.omega.mem.api.LeakReport;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPool;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.MemoryPressureListener;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.PageRun;
import dev.omega.mem.api.SizeClassStatistics;
import dev.omega.mem.spi.MonitoredSystem;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A memory manager made of Mockito answers over plain fields, so monitor tests can set any figure
 * and see exactly which listeners the monitor registered.
 */
final class FakeSystem {
  final MemoryManager manager = mock(MemoryManager.class);
  final MemoryPool pool = mock(MemoryPool.class);
  final List<AllocationListener> allocationListeners = new CopyOnWriteArrayList<>();
  final List<MemoryPressureListener> pressureListeners = new CopyOnWriteArrayList<>();
  final List<LeakReport> pendingLeaks = new ArrayList<>();
  volatile long allocated;
  volatile long capacity = 1 << 20;
  volatile long allocations;
  volatile double fragmentation;
  volatile long sizeClassFailures;
  final Map<AllocationFailure, Long> failures = new EnumMap<>(AllocationFailure.class);
  volatile MemoryManagerConfig managerConfig = MemoryManagerConfig.defaults();

  FakeSystem() {
    for (AllocationFailure cause : AllocationFailure.values()) {
      failures.put(cause, 0L);
    }
    when(manager.getStatistics()).thenAnswer(i -> statistics());
    when(manager.pools()).thenReturn(List.of(pool));
    when(manager.config()).thenAnswer(i -> managerConfig);
    when(pool.config()).thenReturn(MemoryPoolConfig.defaults());
    when(pool.pageRuns())
        .thenReturn(
            List.of(
                new PageRun(0, 4, PageRun.PageState.SLAB),
                new PageRun(4, 2, PageRun.PageState.RUN),
                new PageRun(6, 10, PageRun.PageState.FREE)));
    doAnswer(i -> allocationListeners.add(i.getArgument(0)))
        .when(manager)
        .addAllocationListener(any());
    doAnswer(i -> allocationListeners.remove(i.<AllocationListener>getArgument(0)))
        .when(manager)
        .removeAllocationListener(any());
    doAnswer(i -> pressureListeners.add(i.getArgument(0))).when(manager).addPressureListener(any());
    doAnswer(i -> pressureListeners.remove(i.<MemoryPressureListener>getArgument(0)))
        .when(manager)
        .removePressureListener(any());
    when(manager.detectLeaks())
        .thenAnswer(
            i -> {
              List<LeakReport> found;
              synchronized (pendingLeaks) {
                found = List.copyOf(pendingLeaks);
                pendingLeaks.clear();
              }
              for (LeakReport leak : found) {
                allocationListeners.forEach(l -> l.onLeak(leak));
              }
              return found;
            });
  }

  MonitoredSystem system() {
    return new MonitoredSystem(manager, Optional.empty());
  }

  void leak(long size, String site) {
    synchronized (pendingLeaks) {
      pendingLeaks.add(new LeakReport(size, site, "default", false));
    }
  }

  MemoryStatistics statistics() {
    return new MemoryStatistics(
        allocated,
        allocated,
        capacity - allocated,
        allocated,
        capacity,
        0,
        allocated / 64,
        allocations,
        0,
        fragmentation,
        allocations,
        0,
        List.of(new SizeClassStatistics(64, 1, allocated / 64, allocations, sizeClassFailures)),
        Map.copyOf(failures));
  }
}
