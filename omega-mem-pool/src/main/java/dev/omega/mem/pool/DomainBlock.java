package dev.omega.mem.pool;

/** A block allocated through a {@link Domain}; only that domain may free it. */
final class DomainBlock extends Block {
  private final Domain domain;

  /**
   * Bytes this block holds of its domain's quota, set once by the domain right after allocation:
   * the free gives back exactly this, so the domain's count is the sum over its live blocks.
   */
  long reserved;

  DomainBlock(Region region, int index, int slack, Domain domain) {
    super(region, index, slack);
    this.domain = domain;
  }

  @Override
  Domain domain() {
    return domain;
  }
}
