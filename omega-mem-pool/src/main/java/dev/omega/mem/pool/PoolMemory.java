package dev.omega.mem.pool;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The off-heap bytes of one pool, or of one fallback segment, and when they go back to the system.
 *
 * <p>Design note. A block access must never reach memory that was given back: a JVM crash is worse
 * than any exception, even for a program that races an access against a close. There are two ways
 * to keep that promise, and they cost an access differently:
 *
 * <ul>
 *   <li><em>Direct</em>, where it can be had (native access enabled for this module, Linux on
 *       x86-64 or AArch64). The bytes are an anonymous mapping ({@code mmap}), committed page by
 *       page as they are first touched. Its segment belongs to an automatic arena whose cleanup
 *       unmaps it, so the mapping lasts as long as anything can reach the segment; every {@link
 *       Region} holds the segment and every block its region, so no block outlives the mapping.
 *       Blocks then access the bytes through {@link #EVERYTHING}, one constant segment over the
 *       whole address space, at absolute addresses: the JIT folds that segment's scope, bounds and
 *       read-only checks away, and what guards the access are the block's own checks (freed,
 *       sealed, its bounds, its region released), and the grace period of {@link AccessGuard}.
 *       {@link #release()} (the pool's close, a fallback block's free) hands the physical pages
 *       back with {@code madvise(MADV_DONTNEED)} after the caller's grace period, so no write or
 *       bulk copy is in flight; a scalar read racing it reads memory that is still mapped (zeros),
 *       never faults, and drops the value when it re-checks its region. Only the address range
 *       waits for the garbage collector.
 *   <li><em>Checked</em>, everywhere else, or with {@code -Domega.mem.directAccess=false}. The
 *       bytes belong to a shared arena, which {@link #release()} closes; blocks access them through
 *       its segment, whose liveness check the JDK keeps safe against a racing close (a scalar read
 *       caught by it throws the JDK's {@code IllegalStateException}). Each access pays that check.
 * </ul>
 *
 * Direct mode is chosen without calling a restricted method when native access is off, so a program
 * that does not enable it gets checked mode and no warning.
 *
 * <p>Thread safety: thread-safe; {@link #release()} is idempotent.
 */
final class PoolMemory {
  /** Whether direct memory can be had in this JVM (see the class note). */
  static final boolean DIRECT_AVAILABLE = directAvailable();

  /**
   * Every address, for direct memory: a block of direct memory reads and writes through it at
   * absolute addresses. {@link MemorySegment#NULL} when direct memory is not available, so that no
   * restricted method is called then.
   */
  static final MemorySegment EVERYTHING = everything();

  /** Bytes of direct mappings unmapped so far, for tests of the lifetime. */
  private static final AtomicLong UNMAPPED_BYTES = new AtomicLong();

  /**
   * The bytes. Direct: a segment of an automatic arena (its reachability keeps the mapping).
   * Checked: a segment of {@link #arena}.
   */
  final MemorySegment segment;

  /** {@code segment.address()}. */
  final long address;

  final boolean direct;

  /** The shared arena of checked memory, closed by {@link #release()}; null for direct memory. */
  private final Arena arena;

  private final AtomicBoolean released = new AtomicBoolean();

  private PoolMemory(MemorySegment segment, boolean direct, Arena arena) {
    this.segment = segment;
    this.address = segment.address();
    this.direct = direct;
    this.arena = arena;
  }

  /**
   * Reserves {@code bytes} aligned to {@code alignment} (a power of two): direct when {@code
   * direct} and available, else checked. With {@code commit}, direct memory is committed now rather
   * than as it is first touched ({@code pre_touch}); checked memory always is.
   *
   * @throws OutOfMemoryError when the system refuses the memory (the message says why)
   */
  static PoolMemory allocate(long bytes, long alignment, boolean direct, boolean commit) {
    if (direct && DIRECT_AVAILABLE) {
      MemorySegment mapped = Mmap.map(bytes, alignment);
      if (commit) {
        Mmap.commit(mapped);
      }
      return new PoolMemory(mapped, true, null);
    }
    Arena shared = Arena.ofShared();
    try {
      return new PoolMemory(shared.allocate(bytes, alignment), false, shared);
    } catch (OutOfMemoryError | IllegalArgumentException e) {
      shared.close();
      throw new OutOfMemoryError("cannot reserve " + bytes + " bytes off-heap: " + e.getMessage());
    }
  }

  /** Whether new pools get direct memory: when available, unless turned off by the property. */
  static boolean directByDefault() {
    return DIRECT_AVAILABLE
        && !"false".equalsIgnoreCase(System.getProperty("omega.mem.directAccess", "true"));
  }

  long byteSize() {
    return segment.byteSize();
  }

  /**
   * Gives the bytes back: the physical pages of direct memory at once (its address range when it
   * becomes unreachable), checked memory entirely. Idempotent. Blocks must be refused before this
   * (their region invalidated) and a grace period run ({@link AccessGuard#synchronize()}), so no
   * write is in flight.
   */
  void release() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    if (direct) {
      Mmap.discard(address, segment.byteSize());
    } else {
      arena.close();
    }
  }

  boolean isReleased() {
    return released.get();
  }

  /**
   * Commits the pages of a fresh direct mapping by writing a zero to each (already zero, so no
   * content changes): what {@code pre_touch} falls back to on kernels without {@code
   * MADV_POPULATE_WRITE}, one page fault per page.
   */
  static void touchEachPage(MemorySegment segment) {
    for (long offset = 0; offset < segment.byteSize(); offset += Mmap.OS_PAGE) {
      segment.set(ValueLayout.JAVA_BYTE, offset, (byte) 0);
    }
  }

  /**
   * Bytes of direct mappings unmapped since the JVM started (by the garbage collector's cleanup).
   */
  static long unmappedBytes() {
    return UNMAPPED_BYTES.get();
  }

  private static boolean directAvailable() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
      return false;
    }
    if (!PoolMemory.class.getModule().isNativeAccessEnabled()) {
      return false;
    }
    try {
      return Mmap.MMAP != null;
    } catch (LinkageError e) {
      return false;
    }
  }

  @SuppressWarnings("restricted") // called only when native access is enabled
  private static MemorySegment everything() {
    return DIRECT_AVAILABLE ? MemorySegment.NULL.reinterpret(Long.MAX_VALUE) : MemorySegment.NULL;
  }

  /**
   * The Linux system calls of direct memory. Constants are those of Linux on x86-64 and AArch64,
   * the only platforms {@link #directAvailable()} admits.
   */
  static final class Mmap {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_DONTNEED = 4;

    /** Linux 5.14 and later: fault every page in, writable, or fail with an errno. */
    private static final int MADV_POPULATE_WRITE = 23;

    static final int EINVAL = 22;
    static final int ENOMEM = 12;

    /** The system's page: mappings start on one, and lengths are rounded up to one. */
    private static final long OS_PAGE = 4096;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle MMAP;
    static final MethodHandle MUNMAP;
    static final MethodHandle MADVISE;

    static {
      Linker linker = Linker.nativeLinker();
      MMAP =
          downcall(
              linker,
              "mmap",
              FunctionDescriptor.of(
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG),
              Linker.Option.captureCallState("errno"));
      MUNMAP =
          downcall(
              linker,
              "munmap",
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
      MADVISE =
          downcall(
              linker,
              "madvise",
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT),
              Linker.Option.captureCallState("errno"));
    }

    private Mmap() {}

    @SuppressWarnings("restricted") // loaded only when native access is enabled
    private static MethodHandle downcall(
        Linker linker, String name, FunctionDescriptor descriptor, Linker.Option... options) {
      return linker
          .defaultLookup()
          .find(name)
          .map(symbol -> linker.downcallHandle(symbol, descriptor, options))
          .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the C library"));
    }

    /**
     * Maps {@code bytes} (rounded up to whole system pages) at an address aligned to {@code
     * alignment}, as a segment of a new automatic arena whose cleanup unmaps the whole mapping.
     */
    @SuppressWarnings("restricted") // reinterpret: the mapping is exactly this long
    static MemorySegment map(long bytes, long alignment) {
      long extra = Math.max(0, alignment - OS_PAGE);
      long length = roundUp(bytes, OS_PAGE) + extra;
      long raw;
      int errno;
      try (Arena call = Arena.ofConfined()) {
        MemorySegment state = call.allocate(CALL_STATE);
        raw =
            (long)
                MMAP.invokeExact(
                    state, 0L, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
        errno = (int) ERRNO.get(state, 0L);
      } catch (Throwable e) {
        throw new IllegalStateException("mmap failed", e);
      }
      if (raw == -1L) {
        throw new OutOfMemoryError(
            "cannot reserve "
                + bytes
                + " bytes off-heap: mmap of "
                + length
                + " bytes failed with errno "
                + errno
                + (errno == ENOMEM ? " (ENOMEM: the system has no room for it)" : ""));
      }
      long start = roundUp(raw, alignment);
      long mapped = length;
      // The cleanup captures numbers only: capturing the segment would keep it reachable forever.
      return MemorySegment.ofAddress(start)
          .reinterpret(bytes, Arena.ofAuto(), unused -> unmap(raw, mapped));
    }

    private static void unmap(long address, long length) {
      try {
        int result = (int) MUNMAP.invokeExact(address, length);
        if (result == 0) {
          UNMAPPED_BYTES.addAndGet(length);
        }
      } catch (Throwable e) {
        // A cleaner thread has no caller to tell; the range stays reserved, which is harmless.
      }
    }

    /**
     * Commits every page of {@code segment} (a fresh mapping) now. {@code MADV_POPULATE_WRITE}
     * faults them all in with one call and, unlike {@code MAP_POPULATE}, says when it could not; a
     * kernel older than 5.14 refuses the advice (EINVAL), and then a write to each page does the
     * same. When the system cannot back the pages, what was committed goes back and the pool is
     * refused: a pre-touched pool must not start half resident.
     */
    static void commit(MemorySegment segment) {
      settleCommit(segment, advise(segment.address(), segment.byteSize(), MADV_POPULATE_WRITE));
    }

    /**
     * What {@link #commit} does with the errno {@code madvise} answered (0: none). Apart from the
     * call so that tests can hand it the answers a test machine does not give, ENOMEM above all.
     */
    static void settleCommit(MemorySegment segment, int errno) {
      if (errno == 0) {
        return;
      }
      if (errno == EINVAL) {
        touchEachPage(segment);
        return;
      }
      discard(segment.address(), segment.byteSize());
      throw new OutOfMemoryError(
          "cannot commit "
              + segment.byteSize()
              + " bytes for pre_touch: madvise(MADV_POPULATE_WRITE) failed with errno "
              + errno
              + (errno == ENOMEM ? " (ENOMEM: the system cannot back them)" : ""));
    }

    /** Hands the physical pages of {@code [address, address + bytes)} back to the system. */
    static void discard(long address, long bytes) {
      int errno = advise(address, bytes, MADV_DONTNEED);
      if (errno != 0) {
        throw new IllegalStateException(
            "madvise(MADV_DONTNEED) failed on a pool mapping with errno " + errno);
      }
    }

    /** {@code madvise} over whole system pages; 0, or the errno it failed with. */
    private static int advise(long address, long bytes, int advice) {
      try (Arena call = Arena.ofConfined()) {
        MemorySegment state = call.allocate(CALL_STATE);
        int result = (int) MADVISE.invokeExact(state, address, roundUp(bytes, OS_PAGE), advice);
        return result == 0 ? 0 : (int) ERRNO.get(state, 0L);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException("madvise failed", e);
      }
    }

    private static long roundUp(long value, long to) {
      return (value + to - 1) & -to;
    }
  }
}
