/**
 * The {@code omega} command. On the module path: {@code java --module-path <jars>
 * --enable-native-access=dev.omega.mem.pool -m dev.omega.mem.cli/dev.omega.mem.cli.OmegaCommand}.
 * The implementation modules come in through the runtime's {@code uses}; picocli reads the command
 * classes by reflection, hence the qualified {@code opens}. {@code target/omega.jar}, the runnable
 * jar, is a class-path jar and carries no descriptor.
 */
module dev.omega.mem.cli {
  requires dev.omega.mem.runtime;
  requires dev.omega.mem.json;
  requires info.picocli;
  requires java.net.http;

  opens dev.omega.mem.cli to
      info.picocli;
}
