package dev.lockstep.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * The status of an upgrade (DESIGN section 9): the one vocabulary that the recorder serves and the
 * CLI and other readers interpret, so that "has it ended" means the same everywhere.
 */
public enum UpgradeStatus implements WireEnum {
  /** Requested or planned; waiting for the executor. */
  QUEUED("queued", false),
  /** Planned with a maintenance window that opens later than the plan was made. */
  SCHEDULED("scheduled", false),
  /** The executor is running its steps. */
  RUNNING("running", false),
  /**
   * Held before its next wave: paused by a person, or its window closed and it waits for the next
   * one (or for a resume).
   */
  PAUSED("paused", false),
  /** A wave's gates are being evaluated. */
  WAITING_GATE("waiting-gate", false),
  /** A step waits for a person's approval. */
  WAITING_APPROVAL("waiting-approval", false),
  /** Every step ran and every gate passed. */
  COMPLETED("completed", true),
  /** A step or a gate failed; no rollback has been planned (yet). */
  FAILED("failed", false),
  /** A rollback of this upgrade is planned or running. */
  ROLLING_BACK("rolling-back", false),
  /** The rollback put the platform back. */
  ROLLED_BACK("rolled-back", true),
  /** The rollback itself failed: a person must look. */
  ROLLBACK_FAILED("rollback-failed", true),
  /**
   * Cancelled while it was queued or scheduled (a running upgrade that is cancelled fails as
   * cancelled and is rolled back).
   */
  CANCELLED("cancelled", true),
  /** The planner refused the request. */
  REJECTED("rejected", true);

  private final String wire;
  private final boolean terminal;

  UpgradeStatus(String wire, boolean terminal) {
    this.wire = wire;
    this.terminal = terminal;
  }

  /** The name on the wire and in the API. */
  @JsonValue
  @Override
  public String wire() {
    return wire;
  }

  /**
   * True when nothing more happens to the upgrade on its own (a completed upgrade may still be
   * rolled back on request).
   */
  public boolean terminal() {
    return terminal;
  }

  /** True while the executor is working on the upgrade itself. */
  public boolean active() {
    return this == QUEUED
        || this == SCHEDULED
        || this == RUNNING
        || this == PAUSED
        || this == WAITING_GATE
        || this == WAITING_APPROVAL;
  }

  /** The status of a wire name; empty for a name this version does not know. */
  public static Optional<UpgradeStatus> ofWire(String wire) {
    for (UpgradeStatus status : values()) {
      if (status.wire.equals(wire)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }

  /**
   * The status of a wire name, for filters; an {@link IllegalArgumentException} for an unknown one.
   */
  public static UpgradeStatus fromWire(String wire) {
    for (UpgradeStatus status : values()) {
      if (status.wire.equals(wire)) {
        return status;
      }
    }
    throw new IllegalArgumentException("unknown status '" + wire + "'");
  }
}
