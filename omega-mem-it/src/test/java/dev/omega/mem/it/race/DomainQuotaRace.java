package dev.omega.mem.it.race;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.omega.mem.api.DomainConfig;
import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryDomain;
import dev.omega.mem.api.QuotaExceededException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads take the last block of a domain's quota at once. The quota is reserved with a CAS
 * before the allocation, so exactly one gets it; both getting it would put the domain over its
 * limit, neither getting it would mean a refused reservation was not given back.
 */
@JCStressTest
@Outcome(
    id = {"1, 0, 1", "0, 1, 1"},
    expect = ACCEPTABLE,
    desc = "one allocation fits the quota")
@Outcome(id = "1, 1, 2", expect = FORBIDDEN, desc = "both allocated: the quota was exceeded")
@Outcome(expect = FORBIDDEN, desc = "the count and the allocations disagree")
@State
public class DomainQuotaRace {
  final MemoryDomain domain =
      RaceSystem.MANAGER.createDomain(
          DomainConfig.unlimited(RaceSystem.domainName()).withMaxBlocks(1));
  MemoryBlock first;
  MemoryBlock second;

  @Actor
  public void first(III_Result r) {
    try {
      first = domain.allocate(64);
      r.r1 = 1;
    } catch (QuotaExceededException e) {
      r.r1 = 0;
    }
  }

  @Actor
  public void second(III_Result r) {
    try {
      second = domain.allocate(64);
      r.r2 = 1;
    } catch (QuotaExceededException e) {
      r.r2 = 0;
    }
  }

  @Arbiter
  public void count(III_Result r) {
    r.r3 = (int) domain.blockCount();
    if (first != null) {
      domain.deallocate(first);
    }
    if (second != null) {
      domain.deallocate(second);
    }
    domain.close();
  }
}
