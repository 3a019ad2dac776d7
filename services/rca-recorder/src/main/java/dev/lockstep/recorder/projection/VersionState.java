package dev.lockstep.recorder.projection;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where one component of an upgrade's version table stands. */
public enum VersionState {
  /** Not changed yet. */
  PENDING("pending"),
  /** Runs the target version. */
  UPGRADED("upgraded"),
  /** A step of this component failed. */
  FAILED("failed"),
  /** Put back to its version before the upgrade. */
  ROLLED_BACK("rolled-back"),
  /** Never reached: the upgrade ended (failed, rolled back, cancelled) before it changed this. */
  NOT_STARTED("not-started");

  private final String wire;

  VersionState(String wire) {
    this.wire = wire;
  }

  /** The name in the API. */
  @JsonValue
  public String wire() {
    return wire;
  }
}
