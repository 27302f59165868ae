package dev.omega.mem.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omega.mem.spi.AllocationStrategyProvider;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class StrategyDiscoveryTest {
  @Test
  void serviceLoader_findsTheThreeBuiltInStrategies() {
    Set<String> names = new TreeSet<>();
    for (AllocationStrategyProvider provider :
        ServiceLoader.load(AllocationStrategyProvider.class)) {
      names.add(provider.name());
      assertEquals(provider.name(), provider.create(8).name());
    }
    assertEquals(Set.of("batch", "random", "sequential"), names);
  }
}
