package dev.lockstep.executor;

import dev.lockstep.runtime.LockstepApplication;

/** Starts the executor: runs plans on the cluster through fabric8, step by step, and rolls back. */
public final class ExecutorApplication {
  private ExecutorApplication() {}

  /** Runs the service until it is stopped. */
  public static void main(String[] args) {
    LockstepApplication.run(ExecutorApplication.class, "executor", args);
  }
}
