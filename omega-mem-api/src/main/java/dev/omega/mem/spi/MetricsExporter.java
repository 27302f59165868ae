package dev.omega.mem.spi;

import java.net.URI;
import java.util.Optional;

/** Publishes a monitor's figures somewhere (JFR, JMX, Micrometer, Prometheus text). */
public interface MetricsExporter extends AutoCloseable {

  /** Starts publishing. */
  void start();

  /** Where a person or program can read the figures, for exporters that serve them. */
  default Optional<URI> address() {
    return Optional.empty();
  }

  /** Stops publishing and releases what {@link #start()} took (MBean, port, listeners). */
  @Override
  void close();
}
