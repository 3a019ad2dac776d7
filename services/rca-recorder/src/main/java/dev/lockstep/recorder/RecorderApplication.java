package dev.lockstep.recorder;

import dev.lockstep.runtime.LockstepApplication;

/** Starts the rca-recorder: keeps every event in PostgreSQL; timelines, post-mortems and replay. */
public final class RecorderApplication {
  private RecorderApplication() {}

  /** Runs the service until it is stopped. */
  public static void main(String[] args) {
    LockstepApplication.run(RecorderApplication.class, "rca-recorder", args);
  }
}
