package dev.lockstep.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the services that do not take their fixed ones (a second instance, the tests' local
 * modes), chosen below the machine's ephemeral range. A port the kernel hands out (a {@code
 * ServerSocket(0)}) comes from that range, which every outgoing connection also draws from; the
 * local mode chooses its ports before it launches the services, seconds before they bind them, and
 * meanwhile an outgoing connection of another service could take one (a soak's notifier once found
 * its port in use). Below the range only another listener can.
 */
final class FreePorts {
  /** Linux's setting; the range is 32768 to 60999 by default, 49152 to 65535 on other systems. */
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private static final int LOWEST = 20_000;
  private static final int DEFAULT_EPHEMERAL_START = 32_768;
  private static final int ATTEMPTS = 200;

  /** The first port of the ephemeral range, read once. */
  static final int EPHEMERAL_START = ephemeralStart();

  private FreePorts() {}

  /** A port that nothing listens on now, below the ephemeral range when there is room. */
  static int pick() {
    int below = EPHEMERAL_START;
    for (int attempt = 0; below - LOWEST > 1_000 && attempt < ATTEMPTS; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
      if (Supervisor.isFree(port)) {
        return port;
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int ephemeralStart() {
    try {
      // read line by line: Files.readString trusts the size that /proc reports and reads too little
      return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return DEFAULT_EPHEMERAL_START;
    }
  }
}
