package dev.omega.mem.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.testkit.ArrayMemoryManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The heap's cell allocator on its own, against a model of which bytes belong to which cell. */
class CellSpaceTest {

  @Test
  void classOf_roundsUpToTheClassCellSize_withinAQuarter() {
    for (long bytes = 1; bytes <= CellSpace.MAX_CHUNK / 8; bytes++) {
      int c = CellSpace.classOf(bytes);
      int cell = CellSpace.cellSize(c);
      assertTrue(cell >= bytes, bytes + " B fits its cell of " + cell);
      assertTrue(c == 0 || CellSpace.cellSize(c - 1) < bytes, bytes + " B gets the smallest cell");
      assertTrue(cell <= Math.max(8, bytes + bytes / 4 + 7), bytes + " B wastes under 25 %");
      assertEquals(0, cell % 8, "cells keep 8-byte alignment");
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {64 << 10, 2 << 20, 1 << 30})
  void randomAllocateAndFree_neverOverlaps_keepsContents_andReturnsEveryChunk(long capacity) {
    ArrayMemoryManager manager = new ArrayMemoryManager(capacity);
    CellSpace space = new CellSpace(manager, capacity);
    SplittableRandom random = new SplittableRandom(capacity);
    List<long[]> live = new ArrayList<>(); // address, bytes, stamp
    Map<MemoryBlock, byte[]> owners = new HashMap<>();
    for (int step = 0; step < 20_000; step++) {
      if (live.isEmpty() || random.nextInt(100) < 55) {
        long bytes =
            random.nextInt(10) == 0
                ? 1 + random.nextInt(space.largestCell() * 2)
                : 1 + random.nextInt(200);
        long address = space.tryAllocate(bytes);
        if (address < 0) {
          MemoryBlock block;
          try {
            block = manager.allocate(space.blockBytesFor(bytes));
          } catch (dev.omega.mem.api.OutOfMemoryException full) {
            continue; // a small capacity fills up; frees will make room again
          }
          address = space.adopt(block, bytes);
        }
        MemoryBlock block = space.blockOf(address);
        int offset = CellSpace.offsetOf(address);
        for (long i = 0; i < bytes; i++) {
          assertEquals(0, block.getByte(offset + i), "a new cell is zeroed");
        }
        byte stamp = (byte) (1 + random.nextInt(250));
        block.fill(offset, bytes, stamp);
        byte[] owner = owners.computeIfAbsent(block, b -> new byte[(int) b.size()]);
        for (long i = 0; i < bytes; i++) {
          assertEquals(0, owner[(int) (offset + i)], "cells never overlap");
          owner[(int) (offset + i)] = 1;
        }
        live.add(new long[] {address, bytes, stamp});
      } else {
        long[] gone = live.remove(random.nextInt(live.size()));
        MemoryBlock block = space.blockOf(gone[0]);
        int offset = CellSpace.offsetOf(gone[0]);
        for (long i = 0; i < gone[1]; i++) {
          assertEquals((byte) gone[2], block.getByte(offset + i), "contents kept until freed");
        }
        byte[] owner = owners.get(block);
        for (long i = 0; i < gone[1]; i++) {
          owner[(int) (offset + i)] = 0;
        }
        block.fill(offset, gone[1], (byte) 0x5A); // dirty, so the zeroing on reuse is tested
        space.free(gone[0]);
        if (!block.isValid()) {
          owners.remove(block);
        }
      }
      if (step % 1000 == 0) {
        assertEquals(List.of(), space.verify(live.size()));
        assertEquals(manager.getMemoryUsage(), space.heldBytes(), "held bytes match the manager");
      }
    }
    for (long[] cell : live) {
      space.free(cell[0]);
    }
    assertEquals(List.of(), space.verify(0));
    space.releaseEmptyChunks();
    assertEquals(0, manager.liveBlocks(), "every chunk went back once empty");
    assertEquals(0, space.heldBytes());
  }

  @Test
  void emptyChunk_isKeptOnlyWhileItIsItsClassOnlyRoom() {
    ArrayMemoryManager manager = new ArrayMemoryManager(64L << 20);
    CellSpace space = new CellSpace(manager, 64L << 20);
    int perChunk = space.chunkBytes() / 16;
    List<Long> cells = new ArrayList<>();
    for (int i = 0; i < perChunk * 3; i++) {
      long address = space.tryAllocate(16);
      if (address < 0) {
        address = space.adopt(manager.allocate(space.blockBytesFor(16)), 16);
      }
      cells.add(address);
    }
    assertEquals(3, manager.liveBlocks());
    cells.forEach(space::free);
    assertEquals(1, manager.liveBlocks(), "two emptied chunks went back, one stays for reuse");
    assertEquals(1, space.releaseEmptyChunks());
    assertEquals(0, manager.liveBlocks());
  }

  @Test
  void largeObject_getsItsOwnBlock_returnedWhenFreed() {
    ArrayMemoryManager manager = new ArrayMemoryManager(64L << 20);
    CellSpace space = new CellSpace(manager, 64L << 20);
    long bytes = space.largestCell() + 1;
    assertEquals(-1, space.tryAllocate(bytes));
    assertEquals(bytes, space.blockBytesFor(bytes));
    long address = space.adopt(manager.allocate(bytes), bytes);
    assertEquals(bytes, space.blockOf(address).size());
    space.free(address);
    assertEquals(0, manager.liveBlocks());
  }
}
