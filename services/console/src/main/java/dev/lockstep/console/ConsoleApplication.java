package dev.lockstep.console;

import dev.lockstep.runtime.LockstepApplication;

/**
 * Starts the console: server-rendered pages over the planner's, the recorder's and the notifier's
 * HTTP APIs, called with the signed-in operator's token. It reads and writes no Kafka topic.
 */
public final class ConsoleApplication {
  private ConsoleApplication() {}

  /** Runs the console until it is stopped. */
  public static void main(String[] args) {
    LockstepApplication.run(ConsoleApplication.class, "console", args);
  }
}
