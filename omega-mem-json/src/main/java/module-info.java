/** {@code JsonWriter}, the one JSON writer the monitor and the {@code omega} command share. */
module dev.omega.mem.json {
  exports dev.omega.mem.json;
}
