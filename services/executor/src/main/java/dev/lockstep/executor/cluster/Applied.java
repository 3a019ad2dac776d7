package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import java.time.Instant;
import java.util.List;

/**
 * A step's change, made (or found already made): what the step did to the cluster, the
 * before-states it records, the snapshot a backup took, and the check a timer polls until the
 * change has taken effect.
 *
 * @param outcome whether this run created objects, changed them, or found its work done
 * @param before the before-state of every object changed
 * @param snapshot the snapshots a backup took (comma-separated), or null
 * @param check polled until it is done or failed; never blocks
 */
public record Applied(Outcome outcome, List<ObjectState> before, String snapshot, Check check) {
  public Applied {
    before = List.copyOf(before);
  }

  /** What one run of a step did to the cluster. */
  public enum Outcome {
    /** It only created objects (a Job, snapshots, objects of a bundle that did not exist). */
    CREATED,
    /** It changed or deleted objects (and may have created some). */
    CHANGED,
    /** It wrote nothing: its work was found done (a step run again after a crash). */
    UNCHANGED;

    /** The outcome of a run that did this and then the other. */
    public Outcome and(Outcome other) {
      if (this == UNCHANGED) {
        return other;
      }
      if (other == UNCHANGED || other == this) {
        return this;
      }
      return CHANGED;
    }
  }

  /** A non-blocking look at whether the change has taken effect. */
  @FunctionalInterface
  public interface Check {
    /** One look, at the given time. */
    Progress poll(Instant now);
  }
}
