package dev.omega.mem.gc;

import dev.omega.mem.spi.GarbageCollectorProvider;

/**
 * The contract with every cycle collection walking from the candidate buffer, however much of the
 * heap the candidates are.
 */
class ReferenceCountingFromCandidatesTest extends BuiltInCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return ReferenceCountingOverTheHeapTest.fixed(
        ReferenceCountingCollector.TrialDeletion.FROM_CANDIDATES);
  }
}
