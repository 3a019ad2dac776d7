package dev.lockstep.cli.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.events.Json;
import java.time.Instant;
import java.util.List;

/**
 * An upgrade as the rca-recorder serves it ({@code GET /api/v1/upgrades/{id}}, DESIGN section 9):
 * the fields the command shows. Unknown fields are ignored, missing lists are empty, and statuses
 * and states stay strings, so a newer recorder does not break an older command.
 */
public record Upgrade(
    String upgradeId,
    String platform,
    String mode,
    String status,
    String requestedBy,
    String reason,
    String fromRelease,
    String toRelease,
    String rollbackOf,
    List<String> rollbacks,
    Instant startedAt,
    Instant endedAt,
    Instant lastEventAt,
    List<Version> versions,
    List<Step> steps,
    List<Gate> gates,
    List<Approval> approvals,
    Failure failure,
    String traceId) {

  public Upgrade {
    rollbacks = rollbacks == null ? List.of() : List.copyOf(rollbacks);
    versions = versions == null ? List.of() : List.copyOf(versions);
    steps = steps == null ? List.of() : List.copyOf(steps);
    gates = gates == null ? List.of() : List.copyOf(gates);
    approvals = approvals == null ? List.of() : List.copyOf(approvals);
  }

  /**
   * One row of the version table: state is pending, upgraded, failed, rolled-back or not-started
   * (never reached by an upgrade that has ended).
   */
  public record Version(String component, String layer, String from, String to, String state) {}

  /** One step run; state is running, succeeded or failed. */
  public record Step(
      String upgradeId,
      String stepId,
      int wave,
      String component,
      String action,
      String state,
      int attempt,
      Instant startedAt,
      Instant endedAt,
      String failure) {}

  /** One gate evaluation; state is requested, passed or failed. */
  public record Gate(
      String upgradeId,
      String gateId,
      String name,
      String kind,
      String component,
      int wave,
      String purpose,
      String state,
      Instant requestedAt,
      Instant decidedAt,
      String reason,
      List<Measurement> measurements) {
    public Gate {
      measurements = measurements == null ? List.of() : List.copyOf(measurements);
    }
  }

  /** One measurement of a gate; phase is successful, failed, error or inconclusive. */
  public record Measurement(
      int index, String phase, String value, String message, Instant measuredAt) {}

  /** An approval asked for, and who gave it. */
  public record Approval(
      String upgradeId,
      String stepId,
      String component,
      String message,
      Instant requestedAt,
      String approvedBy,
      Instant approvedAt) {}

  /** Why the upgrade failed (or was rejected or cancelled). */
  public record Failure(String reason, String failedStepId, String failedGateId, Instant at) {}

  /** The upgrade in a recorder's JSON answer. */
  public static Upgrade of(JsonNode json) {
    try {
      return Json.mapper().treeToValue(json, Upgrade.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw unreadable(e);
    }
  }

  /** The upgrades of a recorder's list answer (a JSON array). */
  public static List<Upgrade> listOf(JsonNode json) {
    if (json == null || !json.isArray()) {
      throw unreadable(null);
    }
    List<Upgrade> list = new java.util.ArrayList<>();
    for (JsonNode node : json) {
      list.add(of(node));
    }
    return list;
  }

  /** True for a rollback (an upgrade of its own that puts another back). */
  public boolean isRollback() {
    return "rollback".equals(mode);
  }

  private static CliException unreadable(Exception e) {
    return new CliException(
        ExitCodes.UNAVAILABLE,
        "the rca-recorder's answer is not an upgrade"
            + (e == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")),
        "check that LOCKSTEP_RECORDER_URL points at the rca-recorder");
  }
}
