package dev.lockstep.events.v1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lockstep.events.WireEnum;

/** The outcome of one gate measurement (Argo Rollouts' phases). */
public enum MeasurementPhase implements WireEnum {
  /** The condition held. */
  SUCCESSFUL("successful"),
  /** The condition did not hold. */
  FAILED("failed"),
  /** There was no data to decide. */
  INCONCLUSIVE("inconclusive"),
  /** The provider could not be asked or answered with an error. */
  ERROR("error");

  private final String wire;

  MeasurementPhase(String wire) {
    this.wire = wire;
  }

  @Override
  @JsonValue
  public String wire() {
    return wire;
  }

  /** The constant of a wire string. */
  @JsonCreator
  public static MeasurementPhase fromWire(String wire) {
    return WireEnum.fromWire(MeasurementPhase.class, wire);
  }
}
