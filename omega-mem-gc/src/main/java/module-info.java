/**
 * The managed heap and the built-in collectors, {@code reference-counting}, {@code generational},
 * {@code mark-sweep} and {@code incremental}. It exports nothing: the runtime finds the heap and
 * the collectors with {@link java.util.ServiceLoader}, through the {@code provides} below on the
 * module path and {@code META-INF/services} on the class path (the two list the same classes). The
 * heap lives in pool memory that it reaches through the API, so it needs no native access of its
 * own.
 */
module dev.omega.mem.gc {
  requires dev.omega.mem.api;

  provides dev.omega.mem.spi.ManagedHeapProvider with
      dev.omega.mem.gc.OffHeapManagedHeapProvider;
  provides dev.omega.mem.spi.GarbageCollectorProvider with
      dev.omega.mem.gc.BuiltInCollectors.ReferenceCounting,
      dev.omega.mem.gc.BuiltInCollectors.Generational,
      dev.omega.mem.gc.BuiltInCollectors.MarkSweep,
      dev.omega.mem.gc.BuiltInCollectors.Incremental;
}
