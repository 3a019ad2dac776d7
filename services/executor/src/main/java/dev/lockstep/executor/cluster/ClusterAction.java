package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import java.time.Instant;
import java.util.List;

/**
 * The cluster operation of one kind of plan step. Each is idempotent: it marks every object it
 * changes with the upgrade and step ids and the object's before-state in one write (through {@link
 * Marking}), so a step run again after a crash finds its work done and still reports the true
 * before-state. Nothing here waits: the returned {@link Applied.Check} is polled by a timer.
 */
interface ClusterAction {
  /**
   * Fails the step, before any request, when it is malformed (an apply's Secret, a patch's path
   * into metadata); most actions find nothing to check before they read.
   */
  default void checkShape(PlanStep step) {}

  /**
   * The state of every object the step will change, read from the cluster and changing nothing:
   * what its intent records before it first acts.
   */
  List<ObjectState> readBefore(StepContext context);

  /** Makes the step's change, or finds it made; throws {@link StepFailure} when it cannot. */
  Applied apply(StepContext context, Instant now);
}
