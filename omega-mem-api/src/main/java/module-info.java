/**
 * The API and the plugin SPI of Omega Memory: every interface, record, enum and exception a user or
 * a plugin author compiles against. It depends on {@code java.base} alone, and every package is
 * exported: there is nothing internal here.
 */
module dev.omega.mem.api {
  exports dev.omega.mem.api;
  exports dev.omega.mem.api.gc;
  exports dev.omega.mem.api.monitor;
  exports dev.omega.mem.spi;
}
