package dev.lockstep.events.upcast;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Upcaster;

/**
 * {@code gate.requested} v1 to v2: v2 adds the optional {@code baselineOf}. A v1 request compared
 * with its own upgrade's baseline, which is what an absent {@code baselineOf} means, so the data is
 * unchanged.
 */
public final class GateRequestedV1ToV2 implements Upcaster {
  @Override
  public String type() {
    return "dev.lockstep.gate.requested";
  }

  @Override
  public int fromVersion() {
    return 1;
  }

  @Override
  public ObjectNode upcast(ObjectNode data) {
    return data.deepCopy();
  }
}
