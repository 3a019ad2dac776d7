package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import java.util.List;

/**
 * A step that cannot succeed (a missing object, a forbidden namespace, a failed rollout), with the
 * reason people read and the before-states of what it had already changed.
 */
public class StepFailure extends RuntimeException {
  private final transient List<ObjectState> before;

  public StepFailure(String reason) {
    this(reason, List.of());
  }

  public StepFailure(String reason, List<ObjectState> before) {
    super(reason);
    this.before = List.copyOf(before);
  }

  /** The before-states of the objects it changed before it failed. */
  public List<ObjectState> before() {
    return before;
  }
}
