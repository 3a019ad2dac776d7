package dev.lockstep.notifier.message;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.EventType;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.UpgradeCancelRequested;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.notifier.subscription.Severity;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns an event (and the plan of its upgrade, when the notifier has seen it) into a {@link
 * Notice}. Pure: the same inputs give the same notice.
 */
public final class NoticeFactory {
  private final String linkBase;

  /**
   * @param linkBase the base URL of the upgrade pages (the rca-recorder's API), without a trailing
   *     slash; empty for no links
   */
  public NoticeFactory(String linkBase) {
    this.linkBase = linkBase == null ? "" : linkBase.replaceAll("/+$", "");
  }

  /**
   * The notice for an event, or empty when its type makes none.
   *
   * @param knownPlan the plan of the event's upgrade, if the notifier has seen it
   * @param startedAt when the upgrade started, if known
   */
  public Optional<Notice> fromEvent(
      EventEnvelope event, @Nullable Plan knownPlan, @Nullable Instant startedAt) {
    String type =
        event.type().startsWith(EventType.PREFIX)
            ? event.type().substring(EventType.PREFIX.length())
            : event.type();
    Optional<Severity> severity = EventSeverity.of(type);
    if (severity.isEmpty()) {
      return Optional.empty();
    }
    EventPayload data = event.data();
    Plan plan = data instanceof PlanCreated created ? created.plan() : knownPlan;
    List<VersionChange> versions = plan == null ? List.of() : plan.versions();
    if (data instanceof UpgradeCompleted completed && !completed.versions().isEmpty()) {
      versions = completed.versions();
    } else if (data instanceof RollbackCompleted rolled && !rolled.versions().isEmpty()) {
      versions = rolled.versions();
    }
    String upgradeId =
        event.subject() != null ? event.subject() : plan == null ? null : plan.upgradeId();
    return Optional.of(
        new Notice(
            event.id(),
            type,
            severity.get(),
            event.platform(),
            upgradeId,
            event.time(),
            reasonOf(data),
            plan == null ? null : plan.mode().wire(),
            plan == null ? null : plan.fromRelease(),
            plan == null ? null : plan.toRelease(),
            versions,
            plan == null ? null : plan.releaseNotes(),
            plan == null ? null : plan.risk(),
            data instanceof UpgradeRescheduled rescheduled
                ? rescheduled.window()
                : plan == null ? null : plan.window(),
            plan == null ? null : plan.expectedDowntime(),
            null,
            links(upgradeId, type),
            event.traceparent(),
            startedAt));
  }

  /** The advance notice of a scheduled upgrade, sent {@code lead} before its window opens. */
  public Notice advance(Plan plan, Duration lead, Instant firedAt) {
    return new Notice(
        advanceId(plan.upgradeId(), lead),
        EventSeverity.UPCOMING,
        Severity.INFO,
        plan.platform(),
        plan.upgradeId(),
        firedAt,
        null,
        plan.mode().wire(),
        plan.fromRelease(),
        plan.toRelease(),
        plan.versions(),
        plan.releaseNotes(),
        plan.risk(),
        plan.window(),
        plan.expectedDowntime(),
        lead,
        links(plan.upgradeId(), EventSeverity.UPCOMING),
        null,
        null);
  }

  /** The id of an advance notice: stable, so that a notice is delivered once per lead time. */
  public static String advanceId(String upgradeId, Duration lead) {
    return "advance:" + upgradeId + ":" + lead;
  }

  private Map<String, String> links(@Nullable String upgradeId, String type) {
    Map<String, String> links = new LinkedHashMap<>();
    if (upgradeId == null || linkBase.isEmpty()) {
      return links;
    }
    String upgrade = linkBase + "/api/v1/upgrades/" + upgradeId;
    links.put("upgrade", upgrade);
    links.put("timeline", upgrade + "/timeline");
    if (type.endsWith("failed")
        || type.startsWith("rollback.")
        || type.equals("upgrade.completed")) {
      links.put("postmortem", upgrade + "/postmortem");
    }
    return links;
  }

  @Nullable
  private static String reasonOf(EventPayload data) {
    if (data instanceof UpgradeFailed failed) {
      return failed.reason();
    }
    if (data instanceof RollbackFailed failed) {
      return failed.reason();
    }
    if (data instanceof GateFailed failed) {
      return "gate " + failed.gateName() + " (" + failed.kind() + "): " + failed.reason();
    }
    if (data instanceof StepFailed failed) {
      return "step " + failed.stepId() + " (" + failed.component() + "): " + failed.reason();
    }
    if (data instanceof UpgradeCancelled cancelled) {
      return "cancelled by "
          + cancelled.cancelledBy()
          + (cancelled.reason() == null ? "" : ": " + cancelled.reason());
    }
    if (data instanceof UpgradeCancelRequested requested) {
      return "requested by "
          + requested.requestedBy()
          + (requested.reason() == null ? "" : ": " + requested.reason());
    }
    if (data instanceof RollbackRequested requested) {
      return "requested by "
          + requested.requestedBy()
          + (requested.reason() == null ? "" : ": " + requested.reason());
    }
    if (data instanceof PlanRejected rejected) {
      return rejected.errors().stream()
          .map(e -> e.code() + " at " + e.path() + ": " + e.message())
          .collect(Collectors.joining("; "));
    }
    if (data instanceof ApprovalRequested approval) {
      return "step "
          + approval.stepId()
          + " of "
          + approval.component()
          + ": "
          + approval.message();
    }
    if (data instanceof PlanCreated created) {
      return created.reason();
    }
    if (data instanceof UpgradeWindowClosed closed) {
      return "wave "
          + closed.wave()
          + " was not started: the maintenance window closed at "
          + closed.notAfter()
          + "; the upgrade is held";
    }
    if (data instanceof UpgradeRescheduled rescheduled) {
      return "held by its closed window; carries on in the window from "
          + rescheduled.window().notBefore()
          + " to "
          + rescheduled.window().notAfter();
    }
    return null;
  }
}
