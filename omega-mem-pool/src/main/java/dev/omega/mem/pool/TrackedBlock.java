package dev.omega.mem.pool;

/**
 * A block leak detection follows: the handle holds its {@link LeakTracker.Tracked} record so a
 * proper free can clear it. Only these handles carry the field, so untracked ones stay 24 bytes.
 */
final class TrackedBlock extends Block {
  /** Set by {@link LeakTracker#track} right after construction, on the allocating thread. */
  LeakTracker.Tracked leak;

  TrackedBlock(Region region, int index, int slack) {
    super(region, index, slack);
  }
}
