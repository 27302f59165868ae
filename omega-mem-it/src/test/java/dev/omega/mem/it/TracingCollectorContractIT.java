package dev.omega.mem.it;

import com.example.omega.tracing.TracingCollectorProvider;
import dev.omega.mem.spi.GarbageCollectorProvider;
import dev.omega.mem.testkit.GarbageCollectorContract;
import org.junit.jupiter.api.Tag;

/**
 * The collector contract run on a collector from outside the gc module, as a plugin author runs it:
 * the testkit's contract, the heap found by {@code ServiceLoader}, and only the provider given
 * here.
 */
@Tag("contracts")
class TracingCollectorContractIT extends GarbageCollectorContract {
  @Override
  protected GarbageCollectorProvider provider() {
    return new TracingCollectorProvider();
  }
}
