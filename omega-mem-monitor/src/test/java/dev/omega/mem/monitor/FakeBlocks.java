package dev.omega.mem.monitor;

import dev.omega.mem.api.MemoryBlock;
import java.lang.reflect.Proxy;

/** Stand-in blocks with a size and an identity, and nothing else, for the site profile's tests. */
final class FakeBlocks {
  private FakeBlocks() {}

  static MemoryBlock of(long size) {
    return (MemoryBlock)
        Proxy.newProxyInstance(
            FakeBlocks.class.getClassLoader(),
            new Class<?>[] {MemoryBlock.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "size" -> size;
                  case "isValid" -> true;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  case "toString" -> "fake block of " + size + " bytes";
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }
}
