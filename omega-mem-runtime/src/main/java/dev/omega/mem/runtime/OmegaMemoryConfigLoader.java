package dev.omega.mem.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.omega.mem.api.ConfigProblem;
import dev.omega.mem.api.ConfigurationException;
import dev.omega.mem.api.GarbageCollectorConfig;
import dev.omega.mem.api.LeakDetectionLevel;
import dev.omega.mem.api.MemoryManagerConfig;
import dev.omega.mem.api.MemoryPoolConfig;
import dev.omega.mem.api.OmegaMemoryConfig;
import dev.omega.mem.api.PerformanceMonitorConfig;
import dev.omega.mem.api.PerformanceThresholds;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Reads {@code omega-mem.conf} (HOCON) with the OMEGA key names, flat at the top level:
 *
 * <pre>
 *   pool_size = 100MiB            block_size = 4096          allocation_strategy = sequential
 *   enable_compaction = true      max_fragmentation_threshold = 0.15   pre_touch = false
 *   collection_strategy = generational   collection_threshold = 0.8   max_pause_time = 100ms
 *   enable_cycle_detection = true        generational_count = 3
 *   enable_real_time_monitoring = true   metrics_collection_interval = 1s
 *   enable_memory_leak_detection = true
 *   performance_thresholds { allocation_time = 10us, deallocation_time = 5us, gc_pause_time = 50ms }
 *   leak_detection = SAMPLED  critical_reserve = 0.05  pressure_levels = [0.7, 0.85, 0.95]  ...
 * </pre>
 *
 * Bare numbers take the OMEGA documentation's units: milliseconds for {@code max_pause_time},
 * {@code metrics_collection_interval} and {@code gc_pause_time}; microseconds for {@code
 * allocation_time} and {@code deallocation_time}. Unknown keys are errors, not ignored; every
 * problem of a file is reported at once.
 *
 * <p>Loading never makes a network request: {@code include url(...)} (and a plain include of a URL)
 * is refused without being opened. File and class path includes are refused too unless the caller
 * passes {@link FileIncludes#ALLOW}, and then an include that is missing is an error, not skipped
 * as HOCON would. A substitution such as {@code ${NAME}} that is set neither in the file nor as an
 * environment variable is reported as a problem of the key that holds it. Every one of these is a
 * {@link ConfigurationException}, reported with the bad values of the same file.
 */
public final class OmegaMemoryConfigLoader {
  static final Set<String> KEYS =
      Set.of(
          "pool_size",
          "block_size",
          "allocation_strategy",
          "enable_compaction",
          "max_fragmentation_threshold",
          "pre_touch",
          "collection_strategy",
          "collection_threshold",
          "max_pause_time",
          "enable_cycle_detection",
          "generational_count",
          "young_generation_threshold",
          "deterministic",
          "enable_real_time_monitoring",
          "metrics_collection_interval",
          "enable_memory_leak_detection",
          "performance_thresholds",
          "history_size",
          "history_file",
          "dashboard_port",
          "dashboard_host",
          "dashboard_token",
          "exporters",
          "jmx_name",
          "leak_detection",
          "leak_sampling_interval",
          "reclaim_leaks",
          "critical_reserve",
          "pressure_levels",
          "fallback_enabled",
          "fallback_limit",
          "thread_cache_blocks");
  static final Set<String> THRESHOLD_KEYS =
      Set.of("allocation_time", "deallocation_time", "gc_pause_time");

  /**
   * Whether {@code include file(...)}, a plain {@code include "name.conf"} and {@code include
   * classpath(...)} are followed. Off ({@link #REFUSE}) unless a caller turns it on; URL includes
   * are refused either way.
   */
  public enum FileIncludes {
    /** Every include is refused with a {@link ConfigurationException} (the default). */
    REFUSE,
    /**
     * Local files (relative names from the including file's folder) and class path resources that
     * live in local files or jars are read; one that is missing is an error.
     */
    ALLOW
  }

  private OmegaMemoryConfigLoader() {}

  /** Loads a file with includes refused; keys it does not set keep their defaults. */
  public static OmegaMemoryConfig load(Path file) {
    return load(file, FileIncludes.REFUSE);
  }

  /** Loads a file; keys it does not set keep their defaults. */
  public static OmegaMemoryConfig load(Path file, FileIncludes includes) {
    Objects.requireNonNull(includes, "includes is null");
    if (!Files.isRegularFile(file)) {
      throw new ConfigurationException(
          new ConfigProblem("config file", file, "a readable HOCON file"));
    }
    List<ConfigProblem> problems = new ArrayList<>();
    Path folder = file.toAbsolutePath().getParent();
    Config parsed;
    try {
      parsed =
          ConfigFactory.parseFile(
              file.toFile(), parseOptions(new LocalIncluder(folder, includes, problems)));
    } catch (ConfigException e) {
      problems.add(new ConfigProblem("config file", file, "valid HOCON (" + e.getMessage() + ")"));
      throw new ConfigurationException(problems);
    }
    return resolveAndLoad(parsed, problems);
  }

  /**
   * Loads {@code omega-mem.conf} from the class path, or the defaults when there is none; includes
   * are refused.
   */
  public static OmegaMemoryConfig loadClasspath() {
    return loadClasspath(FileIncludes.REFUSE);
  }

  /** Loads {@code omega-mem.conf} from the class path, or the defaults when there is none. */
  public static OmegaMemoryConfig loadClasspath(FileIncludes includes) {
    Objects.requireNonNull(includes, "includes is null");
    List<ConfigProblem> problems = new ArrayList<>();
    Config parsed;
    try {
      parsed =
          ConfigFactory.parseResources(
              "omega-mem.conf",
              parseOptions(new LocalIncluder(Path.of("").toAbsolutePath(), includes, problems))
                  .setAllowMissing(true));
    } catch (ConfigException e) {
      problems.add(
          new ConfigProblem("config", "omega-mem.conf", "valid HOCON (" + e.getMessage() + ")"));
      throw new ConfigurationException(problems);
    }
    return resolveAndLoad(parsed, problems);
  }

  /** Loads from text (tests, embedded strings) with includes refused. */
  public static OmegaMemoryConfig parse(String hocon) {
    return parse(hocon, FileIncludes.REFUSE);
  }

  /**
   * Loads from text (tests, embedded strings); relative file includes are read from the working
   * directory.
   */
  public static OmegaMemoryConfig parse(String hocon, FileIncludes includes) {
    Objects.requireNonNull(includes, "includes is null");
    List<ConfigProblem> problems = new ArrayList<>();
    Config parsed;
    try {
      parsed =
          ConfigFactory.parseString(
              hocon,
              parseOptions(new LocalIncluder(Path.of("").toAbsolutePath(), includes, problems)));
    } catch (ConfigException e) {
      problems.add(new ConfigProblem("config", "text", "valid HOCON (" + e.getMessage() + ")"));
      throw new ConfigurationException(problems);
    }
    return resolveAndLoad(parsed, problems);
  }

  private static ConfigParseOptions parseOptions(LocalIncluder includer) {
    return ConfigParseOptions.defaults().setAllowMissing(false).setIncluder(includer);
  }

  /**
   * Resolves substitutions and reads the values, adding to {@code problems} (those the includes
   * found) every key whose substitution has no value and every bad value, then throws them all
   * together. Substitutions fall back to environment variables, as HOCON defines.
   */
  private static OmegaMemoryConfig resolveAndLoad(Config parsed, List<ConfigProblem> problems) {
    Config resolved;
    try {
      Config partly = parsed.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
      List<String> unresolved = new ArrayList<>();
      findUnresolved(partly.root(), new ArrayList<>(), unresolved, problems);
      for (String path : unresolved) {
        partly = partly.withoutPath(path);
      }
      resolved = partly.resolve();
    } catch (ConfigException e) {
      problems.add(
          new ConfigProblem(
              "config", "substitutions", "substitutions that resolve (" + e.getMessage() + ")"));
      throw new ConfigurationException(problems);
    }
    OmegaMemoryConfig config = null;
    try {
      config = load(resolved);
    } catch (ConfigurationException e) {
      problems.addAll(e.problems());
    }
    ConfigurationException.throwIfAny(problems);
    return config;
  }

  /** Adds a problem for each key whose value (or a list element of it) did not resolve. */
  private static void findUnresolved(
      ConfigValue value, List<String> path, List<String> found, List<ConfigProblem> problems) {
    ConfigValueType type;
    try {
      type = value.valueType();
      if (type == ConfigValueType.LIST) {
        for (ConfigValue element : (ConfigList) value) {
          element.valueType();
        }
      }
    } catch (ConfigException.NotResolved e) {
      String key = ConfigUtil.joinPath(path);
      found.add(key);
      problems.add(
          new ConfigProblem(
              key,
              render(value),
              "a value; its substitution names a key set neither in the configuration nor as an"
                  + " environment variable (set it, or write ${?NAME} to make it optional)"));
      return;
    }
    if (type == ConfigValueType.OBJECT) {
      for (Map.Entry<String, ConfigValue> e : ((ConfigObject) value).entrySet()) {
        path.add(e.getKey());
        findUnresolved(e.getValue(), path, found, problems);
        path.remove(path.size() - 1);
      }
    }
  }

  private static String render(ConfigValue value) {
    try {
      return value.render(ConfigRenderOptions.concise());
    } catch (ConfigException e) {
      return "an unresolved substitution";
    }
  }

  /**
   * Follows includes without touching the network: {@code url(...)} and URL-looking names are
   * refused without being opened, and files and class path resources are read only when {@link
   * FileIncludes#ALLOW} says so, and then must exist. It never falls back to Typesafe Config's
   * default includer (which fetches URLs and skips what is missing). Each refusal is added to the
   * shared problem list and the include contributes nothing, so all problems of a file are reported
   * together.
   */
  private record LocalIncluder(Path folder, FileIncludes includes, List<ConfigProblem> problems)
      implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    private static final String NO_URLS =
        "a file include, with file includes enabled (OmegaMemoryConfigLoader.FileIncludes.ALLOW);"
            + " URL includes are refused, loading a configuration never makes a network request";
    private static final String FILES_OFF =
        "no include; file and class path includes are refused unless enabled with"
            + " OmegaMemoryConfigLoader.FileIncludes.ALLOW";

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this; // the default includer would fetch URLs and skip missing files
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      String statement = "include \"" + what + "\"";
      if (what.matches("[A-Za-z][A-Za-z0-9+.-]+:.*")) {
        return refuse(statement, NO_URLS);
      }
      return readFile(statement, folder.resolve(what));
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      Path file = what.toPath();
      return readFile(
          "include file(\"" + what + "\")", file.isAbsolute() ? file : folder.resolve(file));
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
      return refuse("include url(\"" + what + "\")", NO_URLS);
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      String statement = "include classpath(\"" + what + "\")";
      if (includes != FileIncludes.ALLOW) {
        return refuse(statement, FILES_OFF);
      }
      ClassLoader loader = context.parseOptions().getClassLoader();
      if (loader == null) {
        loader = Thread.currentThread().getContextClassLoader();
      }
      List<URL> found;
      try {
        found =
            Collections.list(loader.getResources(what.startsWith("/") ? what.substring(1) : what));
      } catch (IOException e) {
        return refuse(statement, "a readable class path resource (" + e.getMessage() + ")");
      }
      if (found.isEmpty()) {
        return refuse(
            statement, "a resource on the class path; a missing include is an error, not skipped");
      }
      Config merged = ConfigFactory.empty();
      for (URL url : found) {
        boolean local =
            url.getProtocol().equals("file")
                || (url.getProtocol().equals("jar") && url.getPath().startsWith("file:"));
        if (!local) {
          return refuse(
              statement + " at " + url,
              "a resource in a local file or jar; remote class path resources are refused");
        }
        try {
          merged = merged.withFallback(ConfigFactory.parseURL(url, childOptions(folder)));
        } catch (ConfigException e) {
          return refuse(statement, "valid HOCON (" + e.getMessage() + ")");
        }
      }
      return merged.root();
    }

    private ConfigObject readFile(String statement, Path file) {
      if (includes != FileIncludes.ALLOW) {
        return refuse(statement, FILES_OFF);
      }
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        return refuse(
            statement,
            "a readable file at " + file + "; a missing include is an error, not skipped");
      }
      try {
        return ConfigFactory.parseFile(file.toFile(), childOptions(file.getParent())).root();
      } catch (ConfigException e) {
        return refuse(statement, "valid HOCON (" + e.getMessage() + ")");
      }
    }

    /** Options for an included file: its own includes are relative to its folder. */
    private ConfigParseOptions childOptions(Path childFolder) {
      return parseOptions(new LocalIncluder(childFolder, includes, problems));
    }

    private ConfigObject refuse(String statement, String allowed) {
      problems.add(new ConfigProblem("include", statement, allowed));
      return ConfigFactory.empty().root();
    }
  }

  /** Builds the configuration from a parsed HOCON tree. */
  public static OmegaMemoryConfig load(Config c) {
    List<ConfigProblem> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
      if (!KEYS.contains(e.getKey())) {
        problems.add(
            new ConfigProblem(
                e.getKey(),
                e.getValue().unwrapped(),
                "a known key; unknown keys are not ignored. Known keys: " + new TreeSet<>(KEYS)));
      }
    }
    if (c.hasPath("performance_thresholds")) {
      try {
        for (String key : c.getConfig("performance_thresholds").root().keySet()) {
          if (!THRESHOLD_KEYS.contains(key)) {
            problems.add(
                new ConfigProblem(
                    "performance_thresholds." + key,
                    c.getValue("performance_thresholds").unwrapped(),
                    "one of " + new TreeSet<>(THRESHOLD_KEYS)));
          }
        }
      } catch (ConfigException.WrongType e) {
        problems.add(
            new ConfigProblem(
                "performance_thresholds",
                c.getValue("performance_thresholds").unwrapped(),
                "an object with " + new TreeSet<>(THRESHOLD_KEYS)));
      }
    }
    Reader r = new Reader(c, problems);

    MemoryPoolConfig.Builder pool = MemoryPoolConfig.builder();
    r.bytes("pool_size", pool::poolSize);
    r.integer("block_size", pool::blockSize);
    r.string("allocation_strategy", pool::allocationStrategy);
    r.bool("enable_compaction", pool::enableCompaction);
    r.number("max_fragmentation_threshold", pool::maxFragmentationThreshold);
    r.bool("pre_touch", pool::preTouch);

    GarbageCollectorConfig.Builder gc = GarbageCollectorConfig.builder();
    r.string("collection_strategy", gc::collectionStrategy);
    r.number("collection_threshold", gc::collectionThreshold);
    r.duration("max_pause_time", ChronoUnit.MILLIS, gc::maxPauseTime);
    r.bool("enable_cycle_detection", gc::enableCycleDetection);
    r.integer("generational_count", gc::generationalCount);
    r.integer("young_generation_threshold", gc::youngGenerationThreshold);
    r.bool("deterministic", gc::deterministic);

    PerformanceMonitorConfig.Builder monitor = PerformanceMonitorConfig.builder();
    r.bool("enable_real_time_monitoring", monitor::enableRealTimeMonitoring);
    r.duration(
        "metrics_collection_interval", ChronoUnit.MILLIS, monitor::metricsCollectionInterval);
    r.bool("enable_memory_leak_detection", monitor::enableMemoryLeakDetection);
    r.integer("history_size", monitor::historySize);
    r.string("history_file", v -> monitor.historyFile(Path.of(v)));
    r.integer("dashboard_port", monitor::dashboardPort);
    r.string("dashboard_host", monitor::dashboardHost);
    r.string("dashboard_token", monitor::dashboardToken);
    r.strings("exporters", monitor::exporters);
    r.string("jmx_name", monitor::jmxName);
    PerformanceThresholds defaults = PerformanceThresholds.defaults();
    Duration[] thresholds = {
      defaults.allocationTime(), defaults.deallocationTime(), defaults.gcPauseTime()
    };
    r.duration("performance_thresholds.allocation_time", ChronoUnit.MICROS, v -> thresholds[0] = v);
    r.duration(
        "performance_thresholds.deallocation_time", ChronoUnit.MICROS, v -> thresholds[1] = v);
    r.duration("performance_thresholds.gc_pause_time", ChronoUnit.MILLIS, v -> thresholds[2] = v);

    MemoryManagerConfig.Builder manager = MemoryManagerConfig.builder();
    r.string(
        "leak_detection",
        v -> {
          try {
            manager.leakDetection(LeakDetectionLevel.valueOf(v.toUpperCase(Locale.ROOT)));
          } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem("leak_detection", v, "one of DISABLED, SAMPLED, FULL"));
          }
        });
    r.integer("leak_sampling_interval", manager::leakSamplingInterval);
    r.bool("reclaim_leaks", manager::reclaimLeaks);
    r.number("critical_reserve", manager::criticalReserveFraction);
    if (c.hasPath("pressure_levels")) {
      try {
        manager.pressureLevels(c.getDoubleList("pressure_levels"));
      } catch (ConfigException e) {
        problems.add(
            new ConfigProblem(
                "pressure_levels",
                c.getValue("pressure_levels").unwrapped(),
                "a list of fractions such as [0.7, 0.85, 0.95]"));
      }
    }
    r.bool("fallback_enabled", manager::fallbackEnabled);
    r.bytes("fallback_limit", manager::fallbackLimit);
    r.integer("thread_cache_blocks", manager::threadCacheBlocks);

    MemoryPoolConfig poolConfig = section(problems, pool::build);
    GarbageCollectorConfig gcConfig = section(problems, gc::build);
    PerformanceThresholds thresholdConfig =
        section(
            problems, () -> new PerformanceThresholds(thresholds[0], thresholds[1], thresholds[2]));
    PerformanceMonitorConfig monitorConfig =
        thresholdConfig == null
            ? null
            : section(problems, () -> monitor.performanceThresholds(thresholdConfig).build());
    MemoryManagerConfig managerConfig = section(problems, manager::build);
    ConfigurationException.throwIfAny(problems);
    return new OmegaMemoryConfig(poolConfig, managerConfig, gcConfig, monitorConfig);
  }

  private static <T> T section(List<ConfigProblem> problems, Supplier<T> build) {
    try {
      return build.get();
    } catch (ConfigurationException e) {
      problems.addAll(e.problems());
      return null;
    }
  }

  /** Typed reads that turn HOCON type errors into problems naming the key. */
  private record Reader(Config c, List<ConfigProblem> problems) {
    interface LongSink {
      void accept(long value);
    }

    interface IntSink {
      void accept(int value);
    }

    interface DoubleSink {
      void accept(double value);
    }

    interface BoolSink {
      void accept(boolean value);
    }

    interface Sink<T> {
      void accept(T value);
    }

    private Object raw(String key) {
      return c.getValue(key).unwrapped();
    }

    void bytes(String key, LongSink sink) {
      if (c.hasPath(key)) {
        try {
          sink.accept(c.getBytes(key));
        } catch (ConfigException e) {
          problems.add(
              new ConfigProblem(key, raw(key), "a size in bytes such as 4096, 64KiB or 100MiB"));
        }
      }
    }

    void integer(String key, IntSink sink) {
      if (c.hasPath(key)) {
        try {
          sink.accept(c.getInt(key));
        } catch (ConfigException e) {
          problems.add(new ConfigProblem(key, raw(key), "a whole number"));
        }
      }
    }

    void number(String key, DoubleSink sink) {
      if (c.hasPath(key)) {
        try {
          sink.accept(c.getDouble(key));
        } catch (ConfigException e) {
          problems.add(new ConfigProblem(key, raw(key), "a number"));
        }
      }
    }

    void bool(String key, BoolSink sink) {
      if (c.hasPath(key)) {
        try {
          sink.accept(c.getBoolean(key));
        } catch (ConfigException e) {
          problems.add(new ConfigProblem(key, raw(key), "true or false"));
        }
      }
    }

    void string(String key, Sink<String> sink) {
      if (c.hasPath(key)) {
        try {
          sink.accept(c.getString(key));
        } catch (ConfigException e) {
          problems.add(new ConfigProblem(key, raw(key), "a string"));
        }
      }
    }

    void strings(String key, Sink<List<String>> sink) {
      if (c.hasPath(key)) {
        try {
          sink.accept(c.getStringList(key));
        } catch (ConfigException e) {
          problems.add(new ConfigProblem(key, raw(key), "a list of names such as [jmx, jfr]"));
        }
      }
    }

    void duration(String key, ChronoUnit bareUnit, Sink<Duration> sink) {
      if (!c.hasPath(key)) {
        return;
      }
      try {
        ConfigValue value = c.getValue(key);
        if (value.valueType() == ConfigValueType.NUMBER) {
          double amount = ((Number) value.unwrapped()).doubleValue();
          sink.accept(Duration.ofNanos(Math.round(amount * bareUnit.getDuration().toNanos())));
        } else {
          sink.accept(c.getDuration(key));
        }
      } catch (ConfigException e) {
        problems.add(
            new ConfigProblem(
                key,
                raw(key),
                "a duration such as 10us, 100ms or 1s (a bare number is in "
                    + bareUnit.toString().toLowerCase(Locale.ROOT)
                    + ")"));
      }
    }
  }
}
