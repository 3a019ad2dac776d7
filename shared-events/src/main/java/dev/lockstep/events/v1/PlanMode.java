package dev.lockstep.events.v1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lockstep.events.WireEnum;

/** Whether a plan moves a platform forward or back. */
public enum PlanMode implements WireEnum {
  /** Towards the release: bottom-up. */
  UPGRADE("upgrade"),
  /** Back to the recorded before-state: top-down. */
  ROLLBACK("rollback");

  private final String wire;

  PlanMode(String wire) {
    this.wire = wire;
  }

  @Override
  @JsonValue
  public String wire() {
    return wire;
  }

  /** The constant of a wire string. */
  @JsonCreator
  public static PlanMode fromWire(String wire) {
    return WireEnum.fromWire(PlanMode.class, wire);
  }
}
