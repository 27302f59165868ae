package dev.omega.mem.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.omega.mem.spi.MemoryManagerProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class PoolDiscoveryTest {
  @Test
  void serviceLoader_findsTheOffHeapManagerProvider() {
    List<MemoryManagerProvider> found = new ArrayList<>();
    ServiceLoader.load(MemoryManagerProvider.class).forEach(found::add);
    assertEquals(1, found.size());
    assertInstanceOf(OffHeapMemoryProvider.class, found.get(0));
    assertEquals("off-heap", found.get(0).name());
  }
}
