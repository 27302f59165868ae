package dev.omega.mem.it;

import dev.omega.mem.api.MemoryBlock;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.runtime.OmegaMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A program for {@code ModulePathIT} to run in a JVM of its own, with the library on the module
 * path and itself on the class path. It prints, one line each, what the JVM made of every Omega
 * module ({@code module NAME explicit|automatic native-access=true|false}), then builds a system
 * with a pool of {@link #POOL_BYTES}, uses a block of it, and prints how much the process's
 * resident memory grew meanwhile ({@code resident-growth=BYTES}).
 *
 * <p>That growth tells direct pool memory from checked: a direct pool is a mapping whose pages are
 * committed as they are first touched, so building one costs next to nothing resident; a checked
 * pool is zeroed when it is reserved, all of it resident at once. The pool chooses direct memory
 * only when its own module has native access, so this is the pool's grant seen from outside.
 */
public final class ModulePathProgram {
  /** The pool size: far above what the rest of building a system makes resident. */
  static final long POOL_BYTES = 256L << 20;

  private ModulePathProgram() {}

  public static void main(String[] args) throws IOException {
    ModuleLayer.boot().modules().stream()
        .filter(m -> m.getName().startsWith("dev.omega.mem."))
        .sorted(Comparator.comparing(Module::getName))
        .forEach(
            m ->
                System.out.println(
                    "module "
                        + m.getName()
                        + (m.getDescriptor().isAutomatic() ? " automatic" : " explicit")
                        + " native-access="
                        + m.isNativeAccessEnabled()));
    long before = residentBytes();
    try (OmegaMemory omega =
        OmegaMemory.builder()
            .pool(MemoryPoolConfig.builder().poolSize(POOL_BYTES).build())
            .build()) {
      MemoryBlock block = omega.memoryManager().allocate(1024);
      block.setLong(0, 42);
      if (block.getLong(0) != 42) {
        throw new AssertionError("the block did not keep what was written");
      }
      omega.memoryManager().deallocate(block);
      System.out.println("resident-growth=" + (residentBytes() - before));
    }
  }

  /** The process's resident set ({@code VmRSS} of {@code /proc/self/status}), Linux only. */
  private static long residentBytes() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(line -> line.startsWith("VmRSS:"))
        .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no VmRSS in /proc/self/status"));
  }
}
