package dev.lockstep.executor.running;

/**
 * Named points in a step's life where the executor could die: a hook for crash-resume tests, which
 * replace it with an implementation that stops the executor there. In production it does nothing.
 */
public interface CrashPoints {
  /** After {@code step.started} is acknowledged, before the cluster is touched. */
  String BEFORE_ACT = "before-act";

  /**
   * Between two writes of one step: after a delete (an object a {@code remove} deletes, a claim
   * {@code restore-snapshot} deletes and has not re-created yet).
   */
  String MID_ACT = "mid-act";

  /** After the change is made, while waiting for it to take effect. */
  String DURING_WAIT = "during-wait";

  /** After the change took effect, before {@code step.succeeded} is published. */
  String BEFORE_RESULT = "before-result";

  /**
   * Called as a step reaches a point; an implementation may throw {@link Crash} to stop the
   * executor there.
   */
  void reached(String point, String stepId);

  /** Thrown at a crash point: the executor stops acting and publishing at once. */
  final class Crash extends RuntimeException {
    public Crash(String message) {
      super(message);
    }
  }
}
