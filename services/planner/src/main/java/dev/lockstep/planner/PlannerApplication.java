package dev.lockstep.planner;

import dev.lockstep.runtime.LockstepApplication;

/**
 * Starts the planner: the front door: requests in, plans out; release catalogue and platform
 * inventory.
 */
public final class PlannerApplication {
  private PlannerApplication() {}

  /** Runs the service until it is stopped. */
  public static void main(String[] args) {
    LockstepApplication.run(PlannerApplication.class, "planner", args);
  }
}
