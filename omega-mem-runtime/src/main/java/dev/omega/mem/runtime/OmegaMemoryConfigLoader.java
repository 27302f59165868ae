package dev.omega.mem.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
          "enable_real_time_monitoring",
          "metrics_collection_interval",
          "enable_memory_leak_detection",
          "performance_thresholds",
          "history_size",
          "history_file",
          "dashboard_port",
          "dashboard_host",
          "exporters",
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

  private OmegaMemoryConfigLoader() {}

  /** Loads a file; keys it does not set keep their defaults. */
  public static OmegaMemoryConfig load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigurationException(
          new ConfigProblem("config file", file, "a readable HOCON file"));
    }
    Config parsed;
    try {
      parsed =
          ConfigFactory.parseFile(
              file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new ConfigurationException(
          new ConfigProblem("config file", file, "valid HOCON (" + e.getMessage() + ")"));
    }
    return load(parsed.resolve());
  }

  /** Loads {@code omega-mem.conf} from the class path, or the defaults when there is none. */
  public static OmegaMemoryConfig loadClasspath() {
    Config parsed = ConfigFactory.parseResources("omega-mem.conf");
    return load(parsed.resolve());
  }

  /** Loads from text (tests, embedded strings). */
  public static OmegaMemoryConfig parse(String hocon) {
    try {
      return load(ConfigFactory.parseString(hocon).resolve());
    } catch (ConfigException e) {
      throw new ConfigurationException(
          new ConfigProblem("config", "text", "valid HOCON (" + e.getMessage() + ")"));
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

    PerformanceMonitorConfig.Builder monitor = PerformanceMonitorConfig.builder();
    r.bool("enable_real_time_monitoring", monitor::enableRealTimeMonitoring);
    r.duration(
        "metrics_collection_interval", ChronoUnit.MILLIS, monitor::metricsCollectionInterval);
    r.bool("enable_memory_leak_detection", monitor::enableMemoryLeakDetection);
    r.integer("history_size", monitor::historySize);
    r.string("history_file", v -> monitor.historyFile(Path.of(v)));
    r.integer("dashboard_port", monitor::dashboardPort);
    r.string("dashboard_host", monitor::dashboardHost);
    r.strings("exporters", monitor::exporters);
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
