package dev.lockstep.executor.running;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Crashes the executor once, at the point and step named by {@code lockstep.testing.crash-at}
 * ({@code <point>:<stepId>}): the runner halts there as if the process had been killed.
 */
@Singleton
@Replaces(NoCrashPoints.class)
@Requires(property = "lockstep.testing.crash-at")
public class TestingCrashPoints implements CrashPoints {
  private final String point;
  private final String stepId;
  private final AtomicBoolean crashed = new AtomicBoolean();

  public TestingCrashPoints(@Value("${lockstep.testing.crash-at}") String crashAt) {
    int colon = crashAt.indexOf(':');
    this.point = crashAt.substring(0, colon);
    this.stepId = crashAt.substring(colon + 1);
  }

  @Override
  public void reached(String reachedPoint, String reachedStep) {
    if (point.equals(reachedPoint)
        && stepId.equals(reachedStep)
        && crashed.compareAndSet(false, true)) {
      throw new Crash("crash at " + reachedPoint + " of " + reachedStep);
    }
  }

  /** Whether the crash happened. */
  public boolean crashed() {
    return crashed.get();
  }
}
