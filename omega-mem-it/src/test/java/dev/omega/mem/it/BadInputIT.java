package dev.omega.mem.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.AccessViolationException;
import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.MemoryStatistics;
import dev.omega.mem.api.Priority;
import dev.omega.mem.api.UseAfterFreeException;
import dev.omega.mem.api.gc.HeapObject;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.testkit.InvariantChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Every public entry point fed nulls, bad sizes, stale and foreign handles, wrong slots and closed
 * objects: each gets its documented exception, and afterwards every other block holds exactly what
 * it held and the statistics have not moved.
 */
@Tag("basic_allocation")
class BadInputIT {
  @RegisterExtension final InvariantChecker invariants = new InvariantChecker();

  private OmegaMemory omega;
  private MemoryManager manager;
  private final List<MemoryBlock> witnesses = new ArrayList<>();
  private final List<byte[]> contents = new ArrayList<>();

  @BeforeEach
  void system() {
    omega =
        invariants.closeAfter(
            OmegaMemory.builder()
                .pool(MemoryPoolConfig.builder().poolSize(8 << 20).build())
                .build());
    manager = invariants.track(omega.memoryManager());
    invariants.track(omega.heap());
    Random random = new Random(3);
    for (int size : new int[] {16, 64, 100, 4096, 20_000}) {
      MemoryBlock block = manager.allocate(size);
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      block.copyFrom(bytes, 0, 0, size);
      witnesses.add(block);
      contents.add(bytes);
    }
  }

  /** Runs {@code call}, expects {@code type}, and checks that nothing else changed. */
  private <T extends Throwable> T refused(Class<T> type, Executable call) {
    MemoryStatistics before = manager.getStatistics();
    T thrown = assertThrows(type, call);
    assertTrue(
        thrown.getMessage() != null && !thrown.getMessage().isBlank(), "a message: " + thrown);
    MemoryStatistics after = manager.getStatistics();
    assertEquals(before.liveBlocks(), after.liveBlocks(), "no block appeared or vanished");
    assertEquals(before.allocatedBytes(), after.allocatedBytes());
    for (int i = 0; i < witnesses.size(); i++) {
      byte[] now = new byte[contents.get(i).length];
      witnesses.get(i).copyTo(0, now, 0, now.length);
      long differ = SuiteTally.mismatches(contents.get(i), now);
      assertArrayEquals(
          contents.get(i), now, "witness " + i + " intact; bytes differing: " + differ);
    }
    SuiteTally.BAD_INPUTS.increment();
    return thrown;
  }

  private void freeWitnesses() {
    witnesses.forEach(manager::deallocate);
  }

  @Test
  void manager_refusesBadSizesNullsAndBadHandles() {
    for (long size : new long[] {0, -1, -4096, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40}) {
      IllegalArgumentException e =
          refused(IllegalArgumentException.class, () -> manager.allocate(size, Priority.NORMAL));
      assertTrue(e.getMessage().contains(Long.toString(size)), e.getMessage());
    }
    refused(NullPointerException.class, () -> manager.allocate(64, null));
    refused(NullPointerException.class, () -> manager.deallocate(null));
    refused(NullPointerException.class, () -> manager.createDomain(null));

    MemoryBlock stale = manager.allocate(64);
    manager.deallocate(stale);
    refused(DoubleFreeException.class, () -> manager.deallocate(stale));
    refused(UseAfterFreeException.class, () -> stale.getLong(0));
    refused(UseAfterFreeException.class, () -> stale.setByte(0, (byte) 1));

    try (OmegaMemory other =
        OmegaMemory.builder().pool(MemoryPoolConfig.builder().poolSize(1 << 20).build()).build()) {
      MemoryBlock foreign = other.memoryManager().allocate(64);
      refused(AccessViolationException.class, () -> manager.deallocate(foreign));
      other.memoryManager().deallocate(foreign);
    }
    freeWitnesses();
  }

  @Test
  void blocks_refuseOutOfBoundsAndSealedWrites() {
    MemoryBlock block = witnesses.get(1);
    refused(IndexOutOfBoundsException.class, () -> block.getLong(block.size() - 7));
    refused(IndexOutOfBoundsException.class, () -> block.setByte(-1, (byte) 0));
    refused(IndexOutOfBoundsException.class, () -> block.setInt(Long.MAX_VALUE, 0));
    refused(IndexOutOfBoundsException.class, () -> block.fill(10, block.size(), (byte) 0));
    refused(IndexOutOfBoundsException.class, () -> block.copyFrom(new byte[8], 4, 0, 8));
    refused(NullPointerException.class, () -> block.copyFrom(null, 0, 0, 1));
    MemoryBlock sealed = manager.allocate(32);
    sealed.fill((byte) 7);
    sealed.seal();
    witnesses.add(sealed);
    contents.add(sealed.toByteArray());
    refused(AccessViolationException.class, () -> sealed.setByte(0, (byte) 1));
    refused(AccessViolationException.class, () -> sealed.fill((byte) 0));
    freeWitnesses();
  }

  @Test
  void domains_refuseForeignBlocksAndBadConfigs() {
    MemoryDomain a = manager.createDomain(DomainConfig.unlimited("a"));
    MemoryDomain b = manager.createDomain(DomainConfig.unlimited("b"));
    MemoryBlock inA = a.allocate(64);
    refused(AccessViolationException.class, () -> b.deallocate(inA));
    refused(IllegalArgumentException.class, () -> a.allocate(0));
    refused(
        IllegalArgumentException.class, () -> manager.createDomain(DomainConfig.unlimited("a")));
    refused(
        dev.omega.mem.api.ConfigurationException.class, () -> new DomainConfig("", -1, 0, -5, -1));
    a.deallocate(inA);
    a.close();
    b.close();
    freeWitnesses();
  }

  @Test
  void heap_refusesWrongSlotsNullsStaleAndForeignObjects() {
    ManagedHeap heap = omega.heap();
    HeapObject object = heap.allocate(2, 8);
    heap.addRoot(object);
    refused(IndexOutOfBoundsException.class, () -> heap.setReference(object, 2, null));
    refused(IndexOutOfBoundsException.class, () -> heap.getReference(object, -1));
    refused(IllegalArgumentException.class, () -> heap.allocate(-1, 8));
    refused(IllegalArgumentException.class, () -> heap.allocate(1, -8));
    refused(NullPointerException.class, () -> heap.addRoot(null));
    refused(NullPointerException.class, () -> heap.setReference(null, 0, object));
    HeapObject garbage = heap.allocate(0, 8);
    heap.collector().forceCollection();
    refused(UseAfterFreeException.class, () -> heap.getReference(garbage, 0));
    refused(UseAfterFreeException.class, () -> heap.setReference(object, 0, garbage));
    try (OmegaMemory other =
        OmegaMemory.builder().pool(MemoryPoolConfig.builder().poolSize(1 << 20).build()).build()) {
      HeapObject foreign = other.heap().allocate(0, 8);
      refused(AccessViolationException.class, () -> heap.setReference(object, 0, foreign));
    }
    heap.removeRoot(object);
    heap.collector().forceCollection();
    freeWitnesses();
  }

  @Test
  void closedSystem_refusesUse_withIllegalState() {
    OmegaMemory closed =
        OmegaMemory.builder().pool(MemoryPoolConfig.builder().poolSize(1 << 20).build()).build();
    MemoryBlock block = closed.memoryManager().allocate(64);
    closed.close();
    refused(IllegalStateException.class, () -> closed.memoryManager().allocate(64));
    refused(IllegalStateException.class, closed::heap);
    refused(IllegalStateException.class, () -> block.getLong(0));
    freeWitnesses();
  }
}
