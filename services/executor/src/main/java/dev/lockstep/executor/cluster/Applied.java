package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import java.time.Instant;
import java.util.List;

/**
 * A step's change, made (or found already made): the before-states it records, the snapshot a
 * backup took, and the check a timer polls until the change has taken effect.
 *
 * @param before the before-state of every object changed
 * @param snapshot the snapshots a backup took (comma-separated), or null
 * @param check polled until it is done or failed; never blocks
 */
public record Applied(List<ObjectState> before, String snapshot, Check check) {
  public Applied {
    before = List.copyOf(before);
  }

  /** A non-blocking look at whether the change has taken effect. */
  @FunctionalInterface
  public interface Check {
    /** One look, at the given time. */
    Progress poll(Instant now);
  }
}
