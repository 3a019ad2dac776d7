package dev.lockstep.notifier;

import dev.lockstep.runtime.LockstepApplication;

/** Starts the notifier: tells each team what it needs to know, on its own channels and feeds. */
public final class NotifierApplication {
  private NotifierApplication() {}

  /** Runs the service until it is stopped. */
  public static void main(String[] args) {
    LockstepApplication.run(NotifierApplication.class, "notifier", args);
  }
}
