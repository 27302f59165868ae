package dev.omega.mem.api;

import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link GasMeter} charges, in gas units. Every charge is an exact integer computed from the
 * operation's arguments and the meter's own counters, so the same operations cost the same gas on
 * every node.
 *
 * <p>An allocation of {@code b} bytes (a managed object's {@code 8 * referenceSlots + dataBytes}
 * plus its header, or a block's size) costs {@code allocationGas + wordGas * words(b)}, where
 * {@code words(b) = ceil(b / 32)}, plus the growth of the memory charge. The memory charge of a
 * peak of {@code w} live words is {@code memoryWordGas * w + w * w / quadraticDivisor} (integer
 * division), as the EVM prices memory expansion: it is charged once for each new peak of the live
 * bytes the metered execution sees, so holding memory costs more the more is held at once. A
 * reference write costs {@code referenceWriteGas}; a payload write costs {@code payloadWriteGas}
 * per word it writes, at least one ({@link #payloadWriteCost}): a scalar write of any width costs
 * {@code payloadWriteGas}, and a bulk write (a block's copy or fill of {@code n} bytes) {@code
 * payloadWriteGas * max(1, words(n))}, so filling a large block costs what writing it word by word
 * would, as the EVM prices its copies per word.
 *
 * @param allocationGas per object or block allocated
 * @param wordGas per 32-byte word allocated
 * @param memoryWordGas linear part of the memory charge, per word of peak live memory
 * @param quadraticDivisor the quadratic part of the memory charge is {@code w * w /
 *     quadraticDivisor}
 * @param referenceWriteGas per reference slot written
 * @param payloadWriteGas per payload write
 */
public record GasSchedule(
    long allocationGas,
    long wordGas,
    long memoryWordGas,
    long quadraticDivisor,
    long referenceWriteGas,
    long payloadWriteGas) {

  /** Bytes per word of {@link #wordGas} and of the memory charge (the EVM's word). */
  public static final int WORD_BYTES = 32;

  /**
   * Largest charge of any one kind, so that no sum of a few charges can overflow a {@code long}.
   */
  public static final long MAX_GAS = 1L << 40;

  public GasSchedule {
    List<ConfigProblem> problems = new ArrayList<>();
    check(problems, "allocationGas", allocationGas);
    check(problems, "wordGas", wordGas);
    check(problems, "memoryWordGas", memoryWordGas);
    check(problems, "referenceWriteGas", referenceWriteGas);
    check(problems, "payloadWriteGas", payloadWriteGas);
    if (quadraticDivisor < 1 || quadraticDivisor > MAX_GAS) {
      problems.add(
          new ConfigProblem("quadraticDivisor", quadraticDivisor, "1 to " + MAX_GAS + " (2^40)"));
    }
    ConfigurationException.throwIfAny(problems);
  }

  private static void check(List<ConfigProblem> problems, String name, long value) {
    if (value < 0 || value > MAX_GAS) {
      problems.add(new ConfigProblem(name, value, "0 to " + MAX_GAS + " (2^40)"));
    }
  }

  /**
   * The defaults: 10 per allocation, 3 per word allocated, memory at the EVM's 3 per word and
   * {@code w^2 / 512}, 5 per reference write, 3 per payload write.
   */
  public static GasSchedule defaults() {
    return new GasSchedule(10, 3, 3, 512, 5, 3);
  }

  /** Words of {@code bytes}, rounded up (without overflow, up to {@link Long#MAX_VALUE} bytes). */
  public static long words(long bytes) {
    return Math.ceilDiv(bytes, WORD_BYTES);
  }

  /** The gas of an allocation of {@code bytes}, before the memory charge. */
  public long allocationCost(long bytes) {
    return Math.addExact(allocationGas, Math.multiplyExact(wordGas, words(bytes)));
  }

  /**
   * The gas of a payload write of {@code bytes}: {@code payloadWriteGas * max(1, words(bytes))}.
   */
  public long payloadWriteCost(long bytes) {
    return Math.multiplyExact(payloadWriteGas, Math.max(1, words(bytes)));
  }

  /** The memory charge of a peak of {@code peakBytes} live bytes. */
  public long memoryCost(long peakBytes) {
    long w = words(peakBytes);
    return Math.addExact(
        Math.multiplyExact(memoryWordGas, w), Math.multiplyExact(w, w) / quadraticDivisor);
  }
}
