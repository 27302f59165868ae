package dev.omega.mem.pool;

/** A block allocated through a {@link Domain}; only that domain may free it. */
final class DomainBlock extends Block {
  private final Domain domain;

  DomainBlock(Region region, int index, int slack, int owner, Domain domain) {
    super(region, index, slack, owner);
    this.domain = domain;
  }

  @Override
  Domain domain() {
    return domain;
  }
}
