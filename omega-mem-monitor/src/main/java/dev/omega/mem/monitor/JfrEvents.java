package dev.omega.mem.monitor;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JDK Flight Recorder events Omega Memory emits. Every one is {@code @Enabled(false)}: a
 * recording must ask for it by name ({@code jfr configure}, a .jfc file, or {@code
 * Recording.enable("dev.omega.mem.Collection")}), so the default JFR profiles stay free of them and
 * an idle exporter costs one {@code isEnabled} check per event.
 *
 * <p>Collection and Compaction are timed events: the exporter calls {@code begin()} when the work
 * starts and {@code commit()} when it ends, so JFR's own start time and duration place them on the
 * recording's timeline beside the JVM's events, and no field repeats the duration.
 */
final class JfrEvents {
  private JfrEvents() {}

  @Name("dev.omega.mem.AllocationFailure")
  @Label("Allocation Failure")
  @Category({"Omega Memory"})
  @Description("An allocation was refused")
  @Enabled(false)
  @StackTrace(true)
  static final class AllocationFailure extends Event {
    @Label("Size")
    @DataAmount
    long size;

    @Label("Priority")
    String priority;

    @Label("Cause")
    String cause;
  }

  @Name("dev.omega.mem.Collection")
  @Label("Collection")
  @Category({"Omega Memory"})
  @Description("A managed-heap collection; the event's duration is the collection's")
  @Enabled(false)
  @StackTrace(false)
  static final class Collection extends Event {
    @Label("Collector")
    String collector;

    @Label("Cause")
    String cause;

    @Label("Generation")
    int generation;

    @Label("Objects Freed")
    long objectsFreed;

    @Label("Bytes Freed")
    @DataAmount
    long bytesFreed;

    @Label("Objects Promoted")
    long objectsPromoted;
  }

  @Name("dev.omega.mem.Compaction")
  @Label("Compaction")
  @Category({"Omega Memory"})
  @Description("A pool compaction that moved live blocks; the event's duration is the compaction's")
  @Enabled(false)
  @StackTrace(false)
  static final class Compaction extends Event {
    @Label("Bytes Moved")
    @DataAmount
    long bytesMoved;
  }

  @Name("dev.omega.mem.Leak")
  @Label("Leak")
  @Category({"Omega Memory"})
  @Description("A block became unreachable without being freed")
  @Enabled(false)
  @StackTrace(false)
  static final class Leak extends Event {
    @Label("Size")
    @DataAmount
    long size;

    @Label("Allocation Site")
    String site;

    @Label("Domain")
    String domain;

    @Label("Reclaimed")
    boolean reclaimed;
  }

  @Name("dev.omega.mem.Alert")
  @Label("Performance Alert")
  @Category({"Omega Memory"})
  @Description("The monitor raised an alert")
  @Enabled(false)
  @StackTrace(false)
  static final class Alert extends Event {
    @Label("Type")
    String type;

    @Label("Severity")
    String severity;

    @Label("Message")
    String message;

    @Label("Value")
    double value;

    @Label("Threshold")
    double threshold;
  }
}
