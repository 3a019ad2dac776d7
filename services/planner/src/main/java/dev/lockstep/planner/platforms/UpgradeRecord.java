package dev.lockstep.planner.platforms;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.UpgradeRequested;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the planner knows of one upgrade or rollback, folded from the three topics. The fields are
 * flags rather than one status so that the fold gives the same result in any interleaving of the
 * topics (a restart reads them one after the other).
 */
public final class UpgradeRecord {
  final String upgradeId;
  String platform;
  long sequence = Long.MAX_VALUE;
  UpgradeRequested request;
  String rollbackTarget;
  String requestedBy;
  String reason;
  String requestEventId;
  String requestTraceparent;
  boolean requested;
  Plan plan;
  boolean rejected;
  boolean cancelEmitted;
  boolean cancelledWhileQueued;
  boolean completed;
  boolean failed;
  boolean rollbackEnded;
  boolean paused;

  /** Held because its window closed, and not rescheduled, resumed or cancelled since. */
  boolean heldByWindow;

  java.time.Instant windowClosedAt;
  int waveNotStarted;
  List<StepOutcome> failureHistory = List.of();
  String failureReason;
  final Map<String, StepOutcome> outcomes = new LinkedHashMap<>();
  final Set<String> approvedSteps = new java.util.HashSet<>();

  UpgradeRecord(String upgradeId) {
    this.upgradeId = upgradeId;
  }

  /** The id. */
  public String upgradeId() {
    return upgradeId;
  }

  /** The platform. */
  public String platform() {
    return platform;
  }

  /** The plan, once made. */
  public Plan plan() {
    return plan;
  }

  /** Who asked. */
  public String requestedBy() {
    return requestedBy;
  }

  /** For a requested rollback, the upgrade it rolls back. */
  public String rollbackTarget() {
    return rollbackTarget;
  }

  /** Ended one way or another. */
  public boolean terminal() {
    return completed || failed || rollbackEnded || rejected || cancelledWhileQueued;
  }

  /** Planned and not ended: what the executor runs now. */
  public boolean active() {
    return plan != null && !terminal();
  }

  /** Asked for and neither planned, rejected nor cancelled. */
  public boolean queued() {
    return requested && plan == null && !rejected && !cancelledWhileQueued;
  }

  /** The status as the API shows it. */
  public String status() {
    if (cancelledWhileQueued) {
      return "cancelled";
    }
    if (rejected) {
      return "rejected";
    }
    if (completed) {
      return "completed";
    }
    if (failed) {
      return "failed";
    }
    if (rollbackEnded) {
      return "rolled-back";
    }
    if (plan != null) {
      return paused || heldByWindow ? "paused" : "scheduled";
    }
    return "queued";
  }

  /** The steps that changed the cluster so far, in the order they succeeded. */
  public List<StepOutcome> outcomes() {
    return new ArrayList<>(outcomes.values());
  }
}
