package dev.omega.mem.runtime;

import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import java.util.Map;

/**
 * Picks an implementation by name, Druid PolyBind style: the configuration names it, each installed
 * module adds named options, and an unknown name fails with the names that were found and the
 * module that provides the built-in ones.
 */
final class NamedChoice {
  private NamedChoice() {}

  /**
   * @param key configuration key, such as {@code allocation_strategy}
   * @param what a phrase for messages, such as {@code allocation strategy}
   * @param module artifact that provides the built-in options
   */
  static <P> P choose(Map<String, P> options, String name, String key, String what, String module) {
    P chosen = options.get(name);
    if (chosen == null) {
      throw new ConfigurationException(problem(options, name, key, what, module));
    }
    return chosen;
  }

  static ConfigProblem problem(
      Map<String, ?> options, String name, String key, String what, String module) {
    return new ConfigProblem(
        key,
        name,
        "the name of an installed "
            + what
            + "; no "
            + what
            + " named ["
            + name
            + "]; found "
            + options.keySet()
            + "; add dev.omega.mem:"
            + module
            + " (or the module that provides it) to the class or module path");
  }

  /** The single provider of a kind that has one implementation, or a message naming the module. */
  static <P> P single(Map<String, P> options, String what, String module) {
    if (options.size() == 1) {
      return options.values().iterator().next();
    }
    if (options.isEmpty()) {
      throw new ConfigurationException(
          new ConfigProblem(
              what,
              "none",
              "an implementation on the class or module path; add dev.omega.mem:" + module));
    }
    throw new ConfigurationException(
        new ConfigProblem(
            what, options.keySet(), "exactly one implementation on the class or module path"));
  }
}
