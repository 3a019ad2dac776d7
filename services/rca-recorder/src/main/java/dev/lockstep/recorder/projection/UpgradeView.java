package dev.lockstep.recorder.projection;

import dev.lockstep.events.UpgradeStatus;
import dev.lockstep.events.v1.Measurement;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * The upgrade projection: what the recorder serves at {@code GET /api/v1/upgrades/{id}} (DESIGN
 * section 9) plus its steps, gates, approvals and notifications. It is derived from the event table
 * only, by {@link UpgradeFold}.
 *
 * @param upgradeId the upgrade
 * @param platform its platform
 * @param mode upgrade or rollback
 * @param status where it stands
 * @param requestedBy who asked for it (audit)
 * @param reason why (audit)
 * @param fromRelease the release before
 * @param toRelease the release it goes to
 * @param rollbackOf for a rollback, the upgrade it rolls back
 * @param rollbacks the rollbacks of this upgrade
 * @param startedAt when the executor started it
 * @param endedAt when it ended (completed, failed, rolled back, cancelled, rejected)
 * @param lastEventAt the time of its newest event
 * @param versions the version table
 * @param steps every step run, the rollback's included, each with who requested it and why
 * @param gates every gate evaluated
 * @param approvals every approval asked for
 * @param notifications who was told what and when
 * @param failure why it failed, if it did
 * @param traceId the trace of the upgrade
 * @param eventCount how many events it is folded from
 */
public record UpgradeView(
    String upgradeId,
    String platform,
    @Nullable String mode,
    UpgradeStatus status,
    @Nullable String requestedBy,
    @Nullable String reason,
    @Nullable String fromRelease,
    @Nullable String toRelease,
    @Nullable String rollbackOf,
    List<String> rollbacks,
    @Nullable Instant startedAt,
    @Nullable Instant endedAt,
    Instant lastEventAt,
    List<VersionRow> versions,
    List<StepRow> steps,
    List<GateRow> gates,
    List<ApprovalRow> approvals,
    List<NotificationRow> notifications,
    @Nullable Failure failure,
    @Nullable String traceId,
    int eventCount) {

  /** One row of the version table. */
  public record VersionRow(
      String component,
      @Nullable String layer,
      @Nullable String from,
      @Nullable String to,
      VersionState state) {}

  /**
   * One step, with the audit trail: who requested the upgrade (or rollback) it belongs to, and why.
   */
  public record StepRow(
      String upgradeId,
      String stepId,
      int wave,
      String component,
      String action,
      String state,
      int attempt,
      @Nullable Instant startedAt,
      @Nullable Instant endedAt,
      @Nullable String failure,
      @Nullable String requestedBy,
      @Nullable String requestReason) {}

  /** One gate evaluation and its measurements. */
  public record GateRow(
      String upgradeId,
      String gateId,
      String name,
      String kind,
      @Nullable String component,
      int wave,
      String purpose,
      String state,
      @Nullable Instant changeStartedAt,
      Instant requestedAt,
      @Nullable Instant decidedAt,
      @Nullable String reason,
      List<Measurement> measurements) {}

  /** One approval asked for. */
  public record ApprovalRow(
      String upgradeId,
      String stepId,
      String component,
      String message,
      Instant requestedAt,
      @Nullable String approvedBy,
      @Nullable Instant approvedAt,
      @Nullable String comment) {}

  /** One notification delivered (or not) to a team. */
  public record NotificationRow(
      String sourceEventId,
      @Nullable String about,
      String team,
      String channel,
      String outcome,
      int attempts,
      @Nullable String reason,
      Instant at) {}

  /** Why an upgrade failed. */
  public record Failure(
      String reason, @Nullable String failedStepId, @Nullable String failedGateId, Instant at) {}
}
