package dev.omega.mem.it.race;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.omega.mem.api.DoubleFreeException;
import dev.omega.mem.api.MemoryBlock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Two threads free the same block at once. Every free is one CAS on the handle's state, so exactly
 * one wins and the other gets {@link DoubleFreeException}, whichever thread allocated the block.
 */
@JCStressTest
@Outcome(
    id = {"1, 0", "0, 1"},
    expect = ACCEPTABLE,
    desc = "one free wins, the other is refused")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both frees returned")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "both refused: the block would leak")
@State
public class DoubleFreeRace {
  final MemoryBlock block = RaceSystem.MANAGER.allocate(64);

  @Actor
  public void first(II_Result r) {
    r.r1 = free();
  }

  @Actor
  public void second(II_Result r) {
    r.r2 = free();
  }

  private int free() {
    try {
      return RaceSystem.MANAGER.deallocate(block) ? 1 : -1;
    } catch (DoubleFreeException e) {
      return 0;
    }
  }
}
