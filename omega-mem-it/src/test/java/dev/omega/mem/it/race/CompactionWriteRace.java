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
 * A write races compaction moving its block (a hole before it, so the block moves down). The write
 * is never lost and the moved block keeps both its bytes, whatever the interleaving: the pool
 * drains accesses before it copies and makes new ones wait for the move.
 */
@JCStressTest
@Outcome(id = "2, 7", expect = ACCEPTABLE, desc = "the write and the old bytes survived the move")
@Outcome(expect = FORBIDDEN, desc = "a write was lost or the block's bytes changed")
@State
public class CompactionWriteRace {
  final MemoryBlock moved;

  public CompactionWriteRace() {
    MemoryBlock hole = RaceSystem.COMPACTING.allocate(20_000);
    moved = RaceSystem.COMPACTING.allocate(20_000);
    moved.setLong(8, 7);
    RaceSystem.COMPACTING.deallocate(hole);
  }

  @Actor
  public void write() {
    moved.setLong(0, 2);
  }

  @Actor
  public void compact() {
    RaceSystem.COMPACTING.pools().get(0).compact();
  }

  @Arbiter
  public void check(JJ_Result r) {
    r.r1 = moved.getLong(0);
    r.r2 = moved.getLong(8);
    RaceSystem.COMPACTING.deallocate(moved);
  }
}
