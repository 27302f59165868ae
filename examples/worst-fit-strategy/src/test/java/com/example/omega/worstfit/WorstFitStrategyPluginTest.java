package com.example.omega.worstfit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryManager;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.runtime.OmegaMemoryConfigLoader;
import dev.omega.mem.spi.AllocationStrategyProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The jar works as a plugin: found by ServiceLoader and chosen by name in the configuration. */
class WorstFitStrategyPluginTest {

  @Test
  void serviceLoader_findsTheProviderInThisJar() {
    assertTrue(
        ServiceLoader.load(AllocationStrategyProvider.class).stream()
            .anyMatch(p -> p.type() == WorstFitStrategyProvider.class),
        "META-INF/services/dev.omega.mem.spi.AllocationStrategyProvider lists the provider");
  }

  @Test
  void allocationStrategy_worstFit_placesThePoolsPages() {
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .config(
                OmegaMemoryConfigLoader.parse("pool_size = 16MiB\nallocation_strategy = worst-fit"))
            .build()) {
      assertEquals("worst-fit", omega.memoryPool().getPoolStatistics().strategy());
      MemoryManager manager = omega.memoryManager();
      MemoryBlock block = manager.allocate(1 << 20); // large: a page run the strategy places
      block.setLong(0, 42);
      assertEquals(42, block.getLong(0));
      assertTrue(manager.deallocate(block));
    }
  }
}
