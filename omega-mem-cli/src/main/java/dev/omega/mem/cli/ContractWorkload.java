package dev.omega.mem.cli;

import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.api.OmegaMemoryException;
import dev.omega.mem.api.gc.CollectionStatistics;
import dev.omega.mem.api.gc.ManagedHeap;
import dev.omega.mem.api.gc.StateDigest;
import dev.omega.mem.json.JsonWriter;
import dev.omega.mem.runtime.OmegaMemory;
import dev.omega.mem.runtime.OmegaMemoryConfigLoader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code omega memory --workload contract --deterministic}: runs {@link ContractProgram} on a
 * deterministic heap built through the runtime, and prints only what the seed and the configuration
 * decide (no timings, no ids, no addresses), so two runs with the same seed print the same bytes
 * and a script may compare them.
 *
 * <p>It has no non-deterministic variant: on a heap that is not deterministic, collections, the
 * garbage left when a call starts (which the memory gas charge counts) and so the gas and the
 * out-of-gas point depend on timing, and a printed figure that changes from run to run would defeat
 * the workload's purpose. {@link MemoryCommand} refuses it without {@code --deterministic} (or
 * {@code deterministic = true} in the configuration).
 */
final class ContractWorkload {
  static final String NAME = "contract";

  /** Top-level calls when {@code --operations} is not given. */
  static final int DEFAULT_CALLS = 200;

  /** The most top-level calls {@code --operations} may ask for. */
  static final int MAX_CALLS = 100_000;

  private ContractWorkload() {}

  /**
   * {@code omega memory --workload contract}: checks the options the workload cannot honour, runs
   * it once and prints its facts; {@code --report}, {@code --status} and no action print the same.
   *
   * @return the exit code: 0, or 1 when the run failed (out of memory: the pool is too small)
   */
  static int command(MemoryCommand c, PrintWriter out, PrintWriter err) {
    CommandLine cl = c.spec.commandLine();
    CommandLine.ParseResult given = cl.getParseResult();
    if (c.action != null && (c.action.diagnose || c.action.monitor)) {
      throw new CommandLine.ParameterException(
          cl,
          "--workload contract prints one run (with --report, --status or no action); it has no"
              + " --diagnose or --monitor");
    }
    if (given.hasMatchedOption("--threads") && c.threads != 1) {
      throw new CommandLine.ParameterException(
          cl,
          "--workload contract runs on one thread (a deterministic heap has one mutator), got"
              + " --threads "
              + c.threads);
    }
    if (given.hasMatchedOption("--operations") && c.operations > MAX_CALLS) {
      throw new CommandLine.ParameterException(
          cl,
          "--operations counts top-level calls for --workload contract: 1 to "
              + MAX_CALLS
              + ", got "
              + c.operations);
    }
    OmegaMemoryConfig configuration =
        c.config == null ? OmegaMemoryConfig.defaults() : OmegaMemoryConfigLoader.load(c.config);
    if (!c.deterministic && !configuration.garbageCollector().deterministic()) {
      throw new CommandLine.ParameterException(
          cl,
          "--workload contract needs a deterministic heap: add --deterministic (or set"
              + " deterministic = true in the --config file)");
    }
    int calls = given.hasMatchedOption("--operations") ? (int) c.operations : DEFAULT_CALLS;
    Map<String, Object> facts;
    try {
      facts = run(deterministic(configuration), c.seed, calls);
    } catch (OmegaMemoryException e) {
      err.println("workload " + NAME + " failed: " + e.getMessage());
      return 1;
    }
    if (c.format == MemoryCommand.Format.JSON) {
      out.print(JsonWriter.pretty(facts));
    } else {
      printText(out, facts);
    }
    out.flush();
    return 0;
  }

  /** {@code configuration} with the collector made deterministic. */
  static OmegaMemoryConfig deterministic(OmegaMemoryConfig configuration) {
    return configuration.withGarbageCollector(
        configuration.garbageCollector().toBuilder().deterministic(true).build());
  }

  /**
   * Runs the program and returns its facts: {@code workload}, {@code seed}, {@code deterministic},
   * {@code collector}, {@code calls}, {@code gas}, {@code gc} and {@code digest}.
   */
  static Map<String, Object> run(OmegaMemoryConfig configuration, long seed, int calls) {
    try (OmegaMemory omega = OmegaMemory.builder().config(configuration).build()) {
      ManagedHeap heap = omega.heap();
      ContractProgram.Result r = ContractProgram.run(heap, seed, calls);
      // An explicit collection at a point the program decides: what is left is what the contracts
      // hold, whichever collector ran.
      heap.collector().forceCollection();
      StateDigest digest = heap.digest();
      CollectionStatistics c = heap.collector().getCollectionStatistics();

      Map<String, Object> facts = new LinkedHashMap<>();
      facts.put("workload", NAME);
      facts.put("seed", seed);
      facts.put("deterministic", heap.deterministic());
      facts.put("collector", c.collector());

      Map<String, Object> callFacts = new LinkedHashMap<>();
      callFacts.put("top_level", r.calls());
      callFacts.put("committed", r.committed());
      callFacts.put("reverted", r.reverted());
      callFacts.put("out_of_gas", r.outOfGas().size());
      callFacts.put("nested", r.nested());
      callFacts.put("nested_reverted", r.nestedReverted());
      callFacts.put("contracts", r.contracts());
      callFacts.put("deployed", r.deployed());
      facts.put("calls", callFacts);

      Map<String, Object> gas = new LinkedHashMap<>();
      gas.put("used", r.gasUsed());
      gas.put("limit_per_call", ContractProgram.GAS_LIMIT);
      gas.put("schedule", "defaults");
      List<Map<String, Object>> points = new ArrayList<>();
      for (ContractProgram.OutOfGas o : r.outOfGas()) {
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("call", o.call());
        point.put("contract", o.contract());
        point.put("depth", o.depth());
        point.put("operation_index", o.operationIndex());
        point.put("operation", o.operation());
        point.put("used", o.used());
        points.add(point);
      }
      gas.put("out_of_gas", points);
      facts.put("gas", gas);

      Map<String, Object> gc = new LinkedHashMap<>();
      gc.put("collections", c.totalCollections());
      gc.put("collections_per_generation", c.collectionsPerGeneration());
      gc.put("objects_freed", c.objectsFreed());
      gc.put("live_objects", heap.objectCount());
      gc.put("live_bytes", heap.usedBytes());
      facts.put("gc", gc);

      Map<String, Object> state = new LinkedHashMap<>();
      state.put("sha256", digest.hex());
      state.put("objects", digest.objects());
      facts.put("digest", state);
      return facts;
    }
  }

  /** One line per fact; the same facts as the JSON. */
  static void printText(PrintWriter out, Map<String, Object> facts) {
    Map<?, ?> calls = (Map<?, ?>) facts.get("calls");
    Map<?, ?> gas = (Map<?, ?>) facts.get("gas");
    Map<?, ?> gc = (Map<?, ?>) facts.get("gc");
    Map<?, ?> digest = (Map<?, ?>) facts.get("digest");
    out.printf(
        Locale.ROOT,
        "workload     contract, seed %d, deterministic heap, collector %s%n",
        facts.get("seed"),
        facts.get("collector"));
    out.printf(
        Locale.ROOT,
        "calls        %d top-level: %d committed, %d reverted, %d out of gas; %d nested, %d"
            + " reverted%n",
        calls.get("top_level"),
        calls.get("committed"),
        calls.get("reverted"),
        calls.get("out_of_gas"),
        calls.get("nested"),
        calls.get("nested_reverted"));
    out.printf(
        Locale.ROOT,
        "contracts    %d (%d deployed by calls)%n",
        calls.get("contracts"),
        calls.get("deployed"));
    out.printf(
        Locale.ROOT,
        "gas used     %d (limit %d per top-level call, default schedule)%n",
        gas.get("used"),
        gas.get("limit_per_call"));
    for (Object o : (List<?>) gas.get("out_of_gas")) {
      Map<?, ?> point = (Map<?, ?>) o;
      out.printf(
          Locale.ROOT,
          "out of gas   call #%d (contract %d, depth %d) at metered operation #%d: %s, %d gas"
              + " used%n",
          point.get("call"),
          point.get("contract"),
          point.get("depth"),
          point.get("operation_index"),
          point.get("operation"),
          point.get("used"));
    }
    out.printf(
        Locale.ROOT,
        "collections  %d (per generation %s), %d objects freed%n",
        gc.get("collections"),
        gc.get("collections_per_generation"),
        gc.get("objects_freed"));
    out.printf(
        Locale.ROOT,
        "heap         %d live objects, %d bytes%n",
        gc.get("live_objects"),
        gc.get("live_bytes"));
    out.printf(
        Locale.ROOT,
        "digest       %s (%d reachable objects)%n",
        digest.get("sha256"),
        digest.get("objects"));
  }
}
