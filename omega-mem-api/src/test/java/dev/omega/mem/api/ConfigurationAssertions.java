package dev.omega.mem.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** Assertions on a rejected configuration: which problems, in which order, and the message. */
final class ConfigurationAssertions {
  private ConfigurationAssertions() {}

  /**
   * Asserts that {@code build} throws a {@link ConfigurationException} with exactly {@code
   * expected} (key, value and what is allowed, in the order the keys are checked), and that its
   * message names each of them.
   */
  static ConfigurationException assertRejected(Executable build, ConfigProblem... expected) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(List.of(expected), e.problems());
    for (ConfigProblem problem : expected) {
      assertTrue(e.getMessage().contains(problem.toString()), e.getMessage());
    }
    return e;
  }

  static ConfigProblem problem(String key, Object value, String expected) {
    return new ConfigProblem(key, value, expected);
  }
}
