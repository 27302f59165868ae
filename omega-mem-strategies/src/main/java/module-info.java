/**
 * The built-in allocation strategies, {@code sequential}, {@code random} and {@code batch}. It
 * exports nothing: the runtime finds the strategies with {@link java.util.ServiceLoader}, through
 * the {@code provides} below on the module path and {@code META-INF/services} on the class path
 * (the two list the same classes).
 */
module dev.omega.mem.strategies {
  requires dev.omega.mem.api;

  provides dev.omega.mem.spi.AllocationStrategyProvider with
      dev.omega.mem.strategies.BuiltInStrategies.Sequential,
      dev.omega.mem.strategies.BuiltInStrategies.BestFit,
      dev.omega.mem.strategies.BuiltInStrategies.Batch;
}
