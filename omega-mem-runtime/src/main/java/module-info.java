/**
 * The assembly: {@code OmegaMemory}, the Guice {@code OmegaMemoryModule} and HOCON loading. It
 * finds every implementation with {@link java.util.ServiceLoader} (the {@code uses} below), so on
 * the module path the JDK resolves the implementation modules that provide them ({@code
 * dev.omega.mem.pool}, {@code .strategies}, {@code .gc}, {@code .monitor}) without anyone requiring
 * them.
 *
 * <p>Guice ({@code com.google.guice}) and Typesafe Config ({@code typesafe.config}) ship no module
 * descriptor; the names are the {@code Automatic-Module-Name}s of their jars. Both appear in this
 * module's API ({@code OmegaMemoryModule} is a Guice module, {@code OmegaMemory.injector()} an
 * injector, {@code OmegaMemoryConfigLoader.load(Config)} takes a config), hence {@code requires
 * transitive}. Being automatic, Guice declares nothing it needs at run time, so the modules it
 * loads (Guava, ASM, {@code jakarta.inject}) are required here for it. Guice calls the
 * package-private provider methods and constructors of this package by reflection, hence the
 * qualified {@code opens}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.omega.mem.runtime {
  requires transitive dev.omega.mem.api;
  requires transitive com.google.guice;
  requires transitive typesafe.config;
  requires com.google.common;
  requires org.objectweb.asm;
  requires jakarta.inject;

  exports dev.omega.mem.runtime;

  opens dev.omega.mem.runtime to
      com.google.guice;

  uses dev.omega.mem.spi.AllocationStrategyProvider;
  uses dev.omega.mem.spi.GarbageCollectorProvider;
  uses dev.omega.mem.spi.ManagedHeapProvider;
  uses dev.omega.mem.spi.MemoryManagerProvider;
  uses dev.omega.mem.spi.MetricsExporterProvider;
  uses dev.omega.mem.spi.PerformanceMonitorProvider;
}
