package dev.lockstep.testkit.kafka;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The main class of a {@link KafkaBrokerProcess}: formats the log directory on its first run, then
 * runs {@code kafka.Kafka} with the given configuration until SIGTERM (a controlled shutdown) or
 * SIGKILL.
 *
 * <p>Arguments: the path of the server properties, the cluster id, and the pid of the JVM that
 * started it. The broker exits when that JVM is gone, so a test run that dies leaves no broker
 * holding the port.
 */
public final class KafkaBrokerMain {

  private KafkaBrokerMain() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: KafkaBrokerMain <server.properties> <cluster id> <parent pid>");
      System.exit(2);
    }
    String config = args[0];
    String clusterId = args[1];
    long parentPid = Long.parseLong(args[2]);
    ProcessHandle.of(parentPid)
        .ifPresentOrElse(
            parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int formatted =
        kafka.tools.StorageTool.execute(
            new String[] {
              "format", "--config", config, "--cluster-id", clusterId, "--ignore-formatted"
            },
            out);
    if (formatted != 0) {
      System.err.println("Formatting the log directory failed with exit code " + formatted);
      System.exit(formatted);
    }
    kafka.Kafka.main(new String[] {config});
  }
}
