package dev.omega.mem.api;

/** A run of pages of the same state, as drawn on a pool map. */
public record PageRun(long firstPage, long pages, PageState state) {
  public PageRun {
    if (firstPage < 0 || pages <= 0 || state == null) {
      throw new IllegalArgumentException(
          "page run needs firstPage >= 0, pages > 0 and a state; got "
              + firstPage
              + ", "
              + pages
              + ", "
              + state);
    }
  }

  /** What a page is used for. */
  public enum PageState {
    /** Not allocated. */
    FREE,
    /** Part of a block handed out whole (a large allocation). */
    RUN,
    /** Carved into small blocks of one size class. */
    SLAB
  }
}
