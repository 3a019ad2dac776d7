package dev.lockstep.executor.running;

import jakarta.inject.Singleton;

/** The production {@link CrashPoints}: never crashes. */
@Singleton
public class NoCrashPoints implements CrashPoints {
  @Override
  public void reached(String point, String stepId) {
    // Production code does not crash on purpose.
  }
}
