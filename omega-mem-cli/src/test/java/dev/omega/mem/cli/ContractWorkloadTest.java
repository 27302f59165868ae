package dev.omega.mem.cli;

import static dev.omega.mem.cli.CommandRun.omega;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code omega memory --workload contract --deterministic} in this JVM: the same seed prints the
 * same lines, another seed other lines, the JSON has every fact, and what it refuses it refuses
 * with the flag or value named.
 */
class ContractWorkloadTest {
  /** Enough calls for reverts, nested calls and deployments; the last call always runs out. */
  private static final String CALLS = "60";

  private static final Pattern OUT_OF_GAS =
      Pattern.compile(
          "(?m)^out of gas   call #\\d+ \\(contract \\d+, depth [1-4]\\) at metered operation"
              + " #\\d+: (an allocation|a reference write|a payload write).* on the managed heap, \\d+ gas"
              + " used$");

  @TempDir Path dir;

  private static CommandRun contract(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("memory", "--workload", "contract", "--deterministic", "--operations", CALLS));
    args.addAll(List.of(more));
    return omega(args.toArray(String[]::new));
  }

  @Test
  void contract_sameSeedTwice_printsTheSameLines() {
    CommandRun first = contract("--seed", "11");
    CommandRun second = contract("--seed", "11");
    assertEquals(0, first.exit(), first.printed());
    assertEquals(0, second.exit(), second.printed());
    assertEquals(first.out(), second.out());
    assertTrue(first.out().lines().count() >= 8, first.out());
  }

  @Test
  void contract_differentSeeds_printDifferentDigestsAndGas() {
    CommandRun a = contract("--seed", "11");
    CommandRun b = contract("--seed", "12");
    assertEquals(0, b.exit(), b.printed());
    assertNotEquals(line(a, "digest"), line(b, "digest"));
    assertNotEquals(line(a, "gas used"), line(b, "gas used"));
  }

  @Test
  void contract_text_hasTheOutOfGasLineAndNoTimings() {
    CommandRun r = contract("--seed", "5");
    assertEquals(0, r.exit(), r.printed());
    assertTrue(OUT_OF_GAS.matcher(r.out()).find(), r.out());
    assertTrue(
        r.out().contains("call #" + CALLS + " "), "the last call always runs out: " + r.out());
    assertTrue(line(r, "digest").matches("digest {7}[0-9a-f]{64} \\(\\d+ reachable objects\\)"));
    assertTrue(line(r, "collections").matches("collections  [1-9]\\d* .*"), r.out());
    for (String timing : List.of(" ms", "ns/op", "seconds", " s ")) {
      assertFalse(r.out().contains(timing), timing + " in " + r.out());
    }
  }

  @Test
  void contract_json_parsesWithEveryFact() throws Exception {
    CommandRun r = contract("--seed", "5", "--format", "json");
    assertEquals(0, r.exit(), r.printed());
    JsonNode json = new ObjectMapper().readTree(r.out());
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        List.of("workload", "seed", "deterministic", "collector", "calls", "gas", "gc", "digest"),
        keys);
    assertEquals(5, json.get("seed").asLong());
    assertTrue(json.get("deterministic").asBoolean());
    assertEquals(60, json.at("/calls/top_level").asInt());
    assertTrue(json.at("/calls/reverted").asLong() > 0, r.out());
    assertTrue(json.at("/calls/nested").asLong() > 0, r.out());
    assertTrue(json.at("/gas/used").asLong() > 0, r.out());
    JsonNode last = json.at("/gas/out_of_gas").get(json.at("/gas/out_of_gas").size() - 1);
    assertEquals(60, last.get("call").asInt(), r.out());
    assertTrue(last.get("operation_index").asLong() > 0, r.out());
    assertTrue(last.get("operation").asText().endsWith("on the managed heap"), r.out());
    assertTrue(json.at("/gc/collections").asLong() > 0, r.out());
    assertTrue(json.at("/digest/sha256").asText().matches("[0-9a-f]{64}"), r.out());
    assertEquals(json.at("/gc/live_objects").asLong(), json.at("/digest/objects").asLong());
    // The text and the JSON are the same run.
    CommandRun text = contract("--seed", "5");
    assertTrue(text.out().contains(json.at("/digest/sha256").asText()), text.out());
    assertTrue(text.out().contains("gas used     " + json.at("/gas/used").asLong()), text.out());
  }

  @Test
  void contract_withoutDeterministic_exitsTwoNamingTheFlag() {
    CommandRun r = omega("memory", "--workload", "contract", "--seed", "5");
    assertEquals(2, r.exit(), r.printed());
    assertEquals(
        "--workload contract needs a deterministic heap: add --deterministic (or set"
            + " deterministic = true in the --config file)",
        r.firstErrLine());
  }

  @Test
  void contract_withDeterministicInTheConfig_runsWithoutTheFlag() throws Exception {
    Path conf = Files.writeString(dir.resolve("omega-mem.conf"), "deterministic = true\n");
    CommandRun r =
        omega(
            "memory",
            "--workload",
            "contract",
            "--config",
            conf.toString(),
            "--operations",
            "5",
            "--seed",
            "3");
    assertEquals(0, r.exit(), r.printed());
    CommandRun flag =
        omega(
            "memory",
            "--workload",
            "contract",
            "--deterministic",
            "--operations",
            "5",
            "--seed",
            "3");
    assertEquals(line(flag, "digest"), line(r, "digest"));
  }

  @Test
  void badSeed_exitsTwoNamingTheValueAndWhatIsAllowed() {
    for (String seed : List.of("abc", "1.5", "99999999999999999999", "")) {
      CommandRun r = contract("--seed", seed);
      assertEquals(2, r.exit(), r.printed());
      assertEquals(
          "Invalid value for option '--seed': '"
              + seed
              + "' is not a seed (expected: a whole number from -9223372036854775808 to"
              + " 9223372036854775807, such as 42)",
          r.firstErrLine());
      assertTrue(r.noStackTrace(), r.printed());
    }
    assertEquals(0, contract("--seed", "-3").exit(), "negative seeds are seeds");
  }

  @Test
  void contract_withOptionsItCannotHonour_exitsTwoNamingThem() {
    CommandRun diagnose = contract("--diagnose");
    assertEquals(2, diagnose.exit(), diagnose.printed());
    assertTrue(diagnose.firstErrLine().contains("no --diagnose or --monitor"), diagnose.printed());
    CommandRun threads = contract("--threads", "2");
    assertEquals(2, threads.exit(), threads.printed());
    assertTrue(threads.firstErrLine().endsWith("got --threads 2"), threads.printed());
    CommandRun calls =
        omega("memory", "--workload", "contract", "--deterministic", "--operations", "100001");
    assertEquals(2, calls.exit(), calls.printed());
    assertTrue(calls.firstErrLine().contains("1 to 100000, got 100001"), calls.printed());
    CommandRun mixed = omega("memory", "--report", "--deterministic");
    assertEquals(2, mixed.exit(), mixed.printed());
    assertTrue(
        mixed.firstErrLine().startsWith("--deterministic is for --workload contract (got"),
        mixed.printed());
  }

  @Test
  void contract_reportAndStatus_printTheSameRunAsNoAction() {
    String plain = contract("--seed", "9").out();
    assertEquals(plain, contract("--seed", "9", "--report").out());
    assertEquals(plain, contract("--seed", "9", "--status").out());
  }

  private static String line(CommandRun r, String start) {
    return r.out()
        .lines()
        .filter(l -> l.startsWith(start))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line starting " + start + ":\n" + r.printed()));
  }
}
