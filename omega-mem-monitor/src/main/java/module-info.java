/**
 * The {@code sampling} performance monitor and the exporters: the dashboard, the JMX MXBean, JFR
 * events. The runtime finds them with {@link java.util.ServiceLoader}, through the {@code provides}
 * below on the module path and {@code META-INF/services} on the class path (the two list the same
 * classes). The package is exported for {@code OmegaMemoryMeterBinder}, the one class users create
 * themselves; everything else in it is package-private.
 *
 * <p>Micrometer is optional ({@code requires static}): only the binder uses it, and only an
 * application that has {@code micrometer.core} on its module path loads the binder. Its types are
 * in the binder's signature, hence {@code transitive}; it ships no descriptor, and {@code
 * micrometer.core} is the {@code Automatic-Module-Name} of its jar.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.omega.mem.monitor {
  requires transitive dev.omega.mem.api;
  requires dev.omega.mem.json;
  requires com.github.benmanes.caffeine;
  requires java.management;
  requires jdk.jfr;
  requires static transitive micrometer.core;

  exports dev.omega.mem.monitor;

  provides dev.omega.mem.spi.PerformanceMonitorProvider with
      dev.omega.mem.monitor.SamplingMonitorProvider;
  provides dev.omega.mem.spi.MetricsExporterProvider with
      dev.omega.mem.monitor.BuiltInExporters.DashboardProvider,
      dev.omega.mem.monitor.BuiltInExporters.JmxProvider,
      dev.omega.mem.monitor.BuiltInExporters.JfrProvider;
}
