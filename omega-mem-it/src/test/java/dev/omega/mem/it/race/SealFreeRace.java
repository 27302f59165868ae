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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * One thread seals a block while another frees it. Seal and free both update the block's one state
 * word; a seal written over the free (a lost update) would make the freed block look valid again.
 * Result: seal succeeded (1) or saw the free (0); the free succeeded (1); the block is valid
 * afterwards (must be 0).
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "sealed, then freed")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "freed first; the seal saw it")
@Outcome(
    id = {"1, 1, 1", "0, 1, 1"},
    expect = FORBIDDEN,
    desc = "the seal overwrote the free: a freed block looks valid")
@Outcome(expect = FORBIDDEN, desc = "the free failed")
@State
public class SealFreeRace {
  final MemoryBlock block = RaceSystem.MANAGER.allocate(64);

  @Actor
  public void seal(III_Result r) {
    try {
      block.seal();
      r.r1 = 1;
    } catch (UseAfterFreeException e) {
      r.r1 = 0;
    }
  }

  @Actor
  public void free(III_Result r) {
    r.r2 = RaceSystem.MANAGER.deallocate(block) ? 1 : 0;
  }

  @Arbiter
  public void after(III_Result r) {
    r.r3 = block.isValid() ? 1 : 0;
  }
}
