package dev.lockstep.events.v1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lockstep.events.WireEnum;

/** Why a gate is requested. */
public enum GatePurpose implements WireEnum {
  /** Decide whether the wave may proceed. */
  VERIFY("verify"),
  /** Capture the value a data-integrity check compares against, before the change. */
  CAPTURE_BASELINE("capture-baseline");

  private final String wire;

  GatePurpose(String wire) {
    this.wire = wire;
  }

  @Override
  @JsonValue
  public String wire() {
    return wire;
  }

  /** The constant of a wire string. */
  @JsonCreator
  public static GatePurpose fromWire(String wire) {
    return WireEnum.fromWire(GatePurpose.class, wire);
  }
}
