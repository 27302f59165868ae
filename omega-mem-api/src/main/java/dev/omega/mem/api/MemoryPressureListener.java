package dev.omega.mem.api;

/**
 * Told when the manager's usage crosses one of {@link MemoryManagerConfig#pressureLevels()}, going
 * up or coming back down. Called on the allocating or freeing thread; it must be quick and must not
 * allocate from the same manager.
 */
@FunctionalInterface
public interface MemoryPressureListener {

  /**
   * @param level the level crossed, a fraction of capacity
   * @param usage usage as a fraction of capacity at the time
   * @param rising {@code true} when usage went above {@code level}, {@code false} when below
   */
  void onPressure(double level, double usage, boolean rising);
}
