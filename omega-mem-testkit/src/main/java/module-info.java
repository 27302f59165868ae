/**
 * The contracts for plugin authors ({@code AllocationStrategyContract}, {@code
 * GarbageCollectorContract}) and {@code InvariantChecker}. JUnit calls the contracts' test methods
 * by reflection, hence the qualified {@code opens}; {@code GarbageCollectorContract} finds the heap
 * under test with {@link java.util.ServiceLoader}.
 */
module dev.omega.mem.testkit {
  requires transitive dev.omega.mem.api;
  requires transitive org.junit.jupiter.api;
  requires java.management;

  exports dev.omega.mem.testkit;

  opens dev.omega.mem.testkit to
      org.junit.platform.commons;

  uses dev.omega.mem.spi.ManagedHeapProvider;
}
