package dev.omega.mem.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C allocator through FFM downcalls: the peer every off-heap allocator is measured against. Two
 * shapes: the idiomatic one ({@code MemorySegment} in and out) and the fastest one (raw {@code
 * long} pointers with critical downcalls, which skip the thread-state transition).
 */
final class NativeMalloc {
  static final MethodHandle MALLOC;
  static final MethodHandle FREE;
  static final MethodHandle MALLOC_RAW;
  static final MethodHandle FREE_RAW;

  static {
    Linker linker = Linker.nativeLinker();
    MemorySegment malloc = linker.defaultLookup().find("malloc").orElseThrow();
    MemorySegment free = linker.defaultLookup().find("free").orElseThrow();
    MALLOC =
        linker.downcallHandle(
            malloc, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    FREE = linker.downcallHandle(free, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    MALLOC_RAW =
        linker.downcallHandle(
            malloc,
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.critical(false));
    FREE_RAW =
        linker.downcallHandle(
            free, FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG), Linker.Option.critical(false));
  }

  /**
   * glibc's {@code malloc_trim}, absent from other C libraries: gives the pages of free chunks back
   * to the system, so resident-set growth measures what an allocation run really takes rather than
   * what an earlier run left resident.
   */
  private static final MethodHandle TRIM =
      Linker.nativeLinker()
          .defaultLookup()
          .find("malloc_trim")
          .map(
              f ->
                  Linker.nativeLinker()
                      .downcallHandle(
                          f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
          .orElse(null);

  private NativeMalloc() {}

  /** {@link #TRIM}; nothing when the C library has no {@code malloc_trim}. */
  static void trim() {
    if (TRIM == null) {
      return;
    }
    try {
      int ignored = (int) TRIM.invokeExact(0L);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static MemorySegment malloc(long size) {
    try {
      return ((MemorySegment) MALLOC.invokeExact(size)).reinterpret(size);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static void free(MemorySegment segment) {
    try {
      FREE.invokeExact(segment);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static long mallocRaw(long size) {
    try {
      return (long) MALLOC_RAW.invokeExact(size);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static void freeRaw(long address) {
    try {
      FREE_RAW.invokeExact(address);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }
}
