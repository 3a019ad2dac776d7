package dev.lockstep.events.upcast;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Upcaster;

/**
 * {@code step.started} v1 to v2: v2 adds {@code before}, the before-states read before acting. A v1
 * producer recorded none, so the upcast event carries an empty list (and a re-run of its step falls
 * back to the before-state stamped on the objects).
 */
public final class StepStartedV1ToV2 implements Upcaster {
  @Override
  public String type() {
    return "dev.lockstep.step.started";
  }

  @Override
  public int fromVersion() {
    return 1;
  }

  @Override
  public ObjectNode upcast(ObjectNode data) {
    ObjectNode next = data.deepCopy();
    next.putArray("before");
    return next;
  }
}
