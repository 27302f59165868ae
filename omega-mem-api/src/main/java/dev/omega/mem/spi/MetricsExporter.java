package dev.omega.mem.spi;

/** Publishes a monitor's figures somewhere (JFR, JMX, Micrometer, Prometheus text). */
public interface MetricsExporter extends AutoCloseable {

  /** Starts publishing. */
  void start();

  /** Stops publishing and releases what {@link #start()} took (MBean, port, listeners). */
  @Override
  void close();
}
