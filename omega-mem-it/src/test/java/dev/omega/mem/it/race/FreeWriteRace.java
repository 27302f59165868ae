package dev.omega.mem.it.race;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.UseAfterFreeException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * A write through a handle races the free of its block, and the freeing thread allocates at once a
 * block of the same size and writes its own value. The write either lands on the old block or is
 * refused; it never reaches the new block, whose memory the grace period keeps apart until the
 * racing write has left (AccessGuard).
 */
@JCStressTest
@Outcome(
    id = {"1, 2", "0, 2"},
    expect = ACCEPTABLE,
    desc = "the write landed on its own block (1) or was refused (0); the new block is intact")
@Outcome(expect = FORBIDDEN, desc = "the write through the freed handle reached the new block")
@State
public class FreeWriteRace {
  final MemoryBlock block = RaceSystem.MANAGER.allocate(64);
  MemoryBlock next;

  @Actor
  public void write(JJ_Result r) {
    try {
      block.setLong(0, 1);
      r.r1 = 1;
    } catch (UseAfterFreeException e) {
      r.r1 = 0;
    }
  }

  @Actor
  public void freeAndReallocate() {
    RaceSystem.MANAGER.deallocate(block);
    MemoryBlock b = RaceSystem.MANAGER.allocate(64);
    b.setLong(0, 2);
    next = b;
  }

  @Arbiter
  public void check(JJ_Result r) {
    r.r2 = next.getLong(0);
    RaceSystem.MANAGER.deallocate(next);
  }
}
