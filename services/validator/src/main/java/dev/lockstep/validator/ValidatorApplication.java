package dev.lockstep.validator;

import dev.lockstep.runtime.LockstepApplication;

/** Starts the validator: evaluates kubernetes, http, prometheus and sql gates (issue #5). */
public final class ValidatorApplication {
  private ValidatorApplication() {}

  /** Runs the service until it is stopped. */
  public static void main(String[] args) {
    LockstepApplication.run(ValidatorApplication.class, "validator", args);
  }
}
