/**
 * The off-heap pool and the memory manager. It exports nothing: the runtime finds the manager with
 * {@link java.util.ServiceLoader}, through the {@code provides} below on the module path and {@code
 * META-INF/services} on the class path (the two list the same classes).
 *
 * <p>Native access. This is the one Omega module that calls restricted methods of the FFM API
 * ({@code Linker.downcallHandle} for {@code mmap}, {@code munmap} and {@code madvise}, and {@code
 * MemorySegment.reinterpret} over the mapping), and only when the JVM has enabled native access for
 * it. On the module path, grant it to this module alone: {@code
 * --enable-native-access=dev.omega.mem.pool}. Without it pools use checked memory (a shared arena)
 * and the JDK prints no warning.
 */
module dev.omega.mem.pool {
  requires dev.omega.mem.api;
  requires org.slf4j;

  provides dev.omega.mem.spi.MemoryManagerProvider with
      dev.omega.mem.pool.OffHeapMemoryProvider;
}
