package dev.omega.mem.it.race;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.omega.mem.api.MemoryBlock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * A block allocated on one thread is freed on another, which then allocates again, while a third
 * party allocates at the same moment. Thread caches take no lock, so this is where a slot could
 * reach two owners: the two new blocks must not overlap, which shows as each still holding its own
 * pattern afterwards.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "two distinct blocks")
@Outcome(expect = FORBIDDEN, desc = "the blocks overlap: one pattern overwrote the other")
@State
public class CrossThreadReuseRace {
  final MemoryBlock inherited = RaceSystem.MANAGER.allocate(64);
  MemoryBlock mine;
  MemoryBlock reused;

  @Actor
  public void allocate() {
    MemoryBlock b = RaceSystem.MANAGER.allocate(64);
    b.setLong(0, 1);
    b.setLong(56, 1);
    mine = b;
  }

  @Actor
  public void freeAndAllocate() {
    RaceSystem.MANAGER.deallocate(inherited);
    MemoryBlock b = RaceSystem.MANAGER.allocate(64);
    b.setLong(0, 2);
    b.setLong(56, 2);
    reused = b;
  }

  @Arbiter
  public void check(JJ_Result r) {
    r.r1 = mine.getLong(0) == mine.getLong(56) ? mine.getLong(0) : -1;
    r.r2 = reused.getLong(0) == reused.getLong(56) ? reused.getLong(0) : -1;
    RaceSystem.MANAGER.deallocate(mine);
    RaceSystem.MANAGER.deallocate(reused);
  }
}
