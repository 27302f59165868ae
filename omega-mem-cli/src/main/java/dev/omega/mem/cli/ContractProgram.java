package dev.omega.mem.cli;

import dev.omega.mem.api.GasMeter;
import dev.omega.mem.api.GasSchedule;
import dev.omega.mem.api.MeterExhaustedException;
import dev.omega.mem.api.gc.HeapRefs;
import dev.omega.mem.api.gc.HeapTransaction;
import dev.omega.mem.api.gc.ManagedHeap;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded contract-like program for the {@code contract} workload: a small VM executing contract
 * calls on a deterministic managed heap, so that what the heap decided (collections, gas, the
 * operation where gas ran out, the final state) can be printed and compared between runs.
 *
 * <p>Design note. The world state is a list of contracts, each a storage object rooted globally:
 * {@value #STORAGE_SLOTS} reference slots, each holding a value object or nothing, and a payload of
 * balance, nonce and call count. A value object has one reference slot (the value it replaced, so
 * each storage slot keeps one step of history; the step before becomes garbage) and 16 to 80 bytes.
 * Genesis deploys {@value #GENESIS_CONTRACTS} contracts outside any meter or transaction.
 *
 * <p>Each top-level call runs under a gas meter of its own ({@link #GAS_LIMIT}, the default {@link
 * GasSchedule}) and may call other contracts, nested up to {@value #MAX_DEPTH} deep. Every call,
 * top-level or nested, is a transaction frame ({@link ManagedHeap#begin()}) with a local-root scope
 * for its temporaries, and does a seeded number of instructions: store a new value in a storage
 * slot, move balance to another contract (reverting when the balance is short), take scratch
 * memory, read storage, deploy a contract, call another contract. At its end a call reverts (rolls
 * back) by the seed, otherwise commits; the caller carries on after a revert, as the EVM's caller
 * does after a failed call. Running out of gas is an exceptional halt: every frame of the top-level
 * call rolls back and the run records where it happened. One top-level call in {@value
 * #LOOP_EVERY}, and always the last, is a loop that allocates and links objects until its gas runs
 * out, so every run has an out-of-gas point.
 *
 * <p>Nothing here reads a clock, a hash of identity or anything else the seed does not decide; the
 * heap's ids are not printed either (they are deterministic too, but a digest says more).
 *
 * <p>Thread safety: confined to the heap's one mutator thread.
 */
final class ContractProgram {
  /** Reference slots of a contract's storage object. */
  static final int STORAGE_SLOTS = 8;

  /** Payload of a storage object: balance, nonce, calls (longs at 0, 8, 16). */
  static final int STORAGE_BYTES = 24;

  /** Contracts deployed before the first call. */
  static final int GENESIS_CONTRACTS = 8;

  /** Deploying stops at this many contracts. */
  static final int MAX_CONTRACTS = 32;

  /** The deepest call: a top-level call is depth 1. */
  static final int MAX_DEPTH = 4;

  /** Gas each top-level call may use. */
  static final long GAS_LIMIT = 1_000_000;

  /** One top-level call in this many is a loop that runs out of gas. */
  static final int LOOP_EVERY = 25;

  /** A loop stops here if its gas has still not run out (it cannot, with the default schedule). */
  private static final int LOOP_BOUND = 1_000_000;

  private static final long GENESIS_BALANCE = 1_000_000;

  private final ManagedHeap heap;
  private final HeapRefs refs;
  private final SplittableRandom random;
  private final List<Long> contracts = new ArrayList<>();
  private final List<OutOfGas> outOfGas = new ArrayList<>();
  private int call;
  private long committed;
  private long reverted;
  private long nested;
  private long nestedReverted;
  private long deployed;
  private long gasUsed;

  private ContractProgram(ManagedHeap heap, long seed) {
    this.heap = heap;
    this.refs = heap.refs();
    this.random = new SplittableRandom(seed);
  }

  /**
   * Where a top-level call ran out of gas.
   *
   * @param call the top-level call's number, from 1
   * @param contract the index of the contract running when it ran out, in deployment order
   * @param depth the depth of the call running then (1 is the top-level call)
   * @param operationIndex the refused operation's index among the meter's operations, from 0
   * @param operation what was refused
   * @param used the gas used when it was refused
   */
  record OutOfGas(
      int call, int contract, int depth, long operationIndex, String operation, long used) {}

  /**
   * What a run did; every figure is decided by the seed, the call count and the heap's
   * configuration.
   */
  record Result(
      int calls,
      long committed,
      long reverted,
      long nested,
      long nestedReverted,
      long contracts,
      long deployed,
      long gasUsed,
      List<OutOfGas> outOfGas) {}

  /**
   * Runs {@code calls} top-level calls from {@code seed} on {@code heap}, which should be empty and
   * deterministic, and leaves the contracts rooted.
   */
  static Result run(ManagedHeap heap, long seed, int calls) {
    ContractProgram p = new ContractProgram(heap, seed);
    for (int i = 0; i < GENESIS_CONTRACTS; i++) {
      long storage = p.deploy();
      p.refs.setLong(storage, 0, GENESIS_BALANCE);
    }
    for (p.call = 1; p.call <= calls; p.call++) {
      p.topLevel(p.call == calls || p.random.nextInt(LOOP_EVERY) == 0);
    }
    return new Result(
        calls,
        p.committed,
        p.reverted,
        p.nested,
        p.nestedReverted,
        p.contracts.size(),
        p.deployed,
        p.gasUsed,
        List.copyOf(p.outOfGas));
  }

  /** A contract's storage object, rooted globally. */
  private long deploy() {
    long storage = refs.allocate(STORAGE_SLOTS, STORAGE_BYTES);
    refs.addRoot(storage);
    contracts.add(storage);
    return storage;
  }

  private void topLevel(boolean loop) {
    int contract = random.nextInt(contracts.size());
    int[] running = {contract, 1};
    try (GasMeter meter = heap.meter(GAS_LIMIT, GasSchedule.defaults())) {
      try {
        boolean kept = loop ? loop(contract, running) : call(contract, 1, running);
        if (kept) {
          committed++;
        } else {
          reverted++;
        }
      } catch (MeterExhaustedException e) {
        outOfGas.add(
            new OutOfGas(
                call, running[0], running[1], e.operationIndex(), e.operation(), e.used()));
      } finally {
        gasUsed += meter.used();
      }
    }
    // A rolled-back deployment freed its storage object.
    contracts.removeIf(id -> !refs.isLive(id));
  }

  /**
   * One call: a frame and a scope around a seeded number of instructions.
   *
   * @param running the contract and depth running now, for an out-of-gas record
   * @return whether it committed ({@code false}: it reverted)
   * @throws MeterExhaustedException after rolling the frame back, when gas ran out
   */
  private boolean call(int contract, int depth, int[] running) {
    HeapTransaction frame = heap.begin();
    boolean revert;
    try {
      int scope = refs.enterScope();
      try {
        running[0] = contract;
        running[1] = depth;
        revert = body(contract, depth, running);
      } finally {
        refs.exitScope(scope);
      }
    } catch (MeterExhaustedException e) {
      frame.rollback();
      throw e;
    }
    if (revert || random.nextInt(8) == 0) {
      frame.rollback();
      return false;
    }
    frame.commit();
    return true;
  }

  /** The call's instructions; returns whether the call must revert. */
  private boolean body(int contract, int depth, int[] running) {
    long storage = contracts.get(contract);
    refs.setLong(storage, 8, refs.getLong(storage, 8) + 1);
    refs.setLong(storage, 16, refs.getLong(storage, 16) + depth);
    int instructions = 1 + random.nextInt(6);
    for (int i = 0; i < instructions; i++) {
      int op = random.nextInt(100);
      if (op < 30) {
        store(storage);
      } else if (op < 50) {
        if (!transfer(storage)) {
          return true;
        }
      } else if (op < 65) {
        long scratch = refs.allocate(0, 32 + 8 * random.nextInt(29));
        refs.setLong(scratch, 0, random.nextLong());
      } else if (op < 80 && depth < MAX_DEPTH) {
        int callee = random.nextInt(contracts.size());
        nested++;
        if (!call(callee, depth + 1, running)) {
          nestedReverted++;
          // A reverted callee may have deployed contracts that are gone now.
          contracts.removeIf(id -> !refs.isLive(id));
        }
        running[0] = contract;
        running[1] = depth;
      } else if (op < 85 && contracts.size() < MAX_CONTRACTS) {
        deploy();
        deployed++;
      } else {
        long value = refs.get(storage, random.nextInt(STORAGE_SLOTS));
        if (value != 0) {
          refs.setLong(storage, 16, refs.getLong(storage, 16) ^ refs.getLong(value, 0));
        }
      }
    }
    return false;
  }

  /** A new value in a storage slot; the value it replaces keeps one step of history. */
  private void store(long storage) {
    int slot = random.nextInt(STORAGE_SLOTS);
    long value = refs.allocate(1, 16 + 8 * random.nextInt(9));
    refs.setLong(value, 0, random.nextLong());
    long old = refs.get(storage, slot);
    if (old != 0) {
      refs.set(old, 0, 0);
      refs.set(value, 0, old);
    }
    refs.set(storage, slot, value);
  }

  /** Moves balance to another contract; {@code false} when the balance is short. */
  private boolean transfer(long storage) {
    long to = contracts.get(random.nextInt(contracts.size()));
    long amount = random.nextLong(GENESIS_BALANCE / 4);
    long balance = refs.getLong(storage, 0);
    if (balance < amount) {
      return false;
    }
    refs.setLong(storage, 0, balance - amount);
    refs.setLong(to, 0, refs.getLong(to, 0) + amount);
    return true;
  }

  /**
   * A call that loops, linking new objects into a list its scope holds, until its gas runs out; its
   * memory charge grows with the list, as an unbounded loop's does in the EVM.
   */
  private boolean loop(int contract, int[] running) {
    running[0] = contract;
    running[1] = 1;
    HeapTransaction frame = heap.begin();
    try {
      int scope = refs.enterScope();
      try {
        long head = refs.allocate(2, 64);
        for (int i = 0; i < LOOP_BOUND; i++) {
          long next = refs.allocate(2, 64);
          refs.setLong(next, 0, i);
          refs.set(next, 0, head);
          head = next;
        }
      } finally {
        refs.exitScope(scope);
      }
    } catch (MeterExhaustedException e) {
      frame.rollback();
      throw e;
    }
    frame.commit();
    return true;
  }
}
