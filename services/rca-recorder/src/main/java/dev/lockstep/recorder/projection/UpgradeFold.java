package dev.lockstep.recorder.projection;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.UpgradeStatus;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.ChannelRef;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.recorder.projection.UpgradeView.ApprovalRow;
import dev.lockstep.recorder.projection.UpgradeView.Failure;
import dev.lockstep.recorder.projection.UpgradeView.GateRow;
import dev.lockstep.recorder.projection.UpgradeView.NotificationRow;
import dev.lockstep.recorder.projection.UpgradeView.StepRow;
import dev.lockstep.recorder.projection.UpgradeView.VersionRow;
import dev.lockstep.runtime.tracing.EventTracing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The upgrade projection as a pure fold: from an upgrade's events and its rollbacks' events, in log
 * order, to its {@link UpgradeView}. The same events always give the same view, which is what makes
 * a rebuild from the event table (or from Kafka) reach the same projections.
 */
public final class UpgradeFold {
  private UpgradeFold() {}

  /** The view of an upgrade, or empty when no event belongs to it. */
  public static Optional<UpgradeView> fold(String upgradeId, List<EventEnvelope> events) {
    State state = new State(upgradeId);
    for (EventEnvelope event : events) {
      state.apply(event);
    }
    return state.view();
  }

  /** Who requested an upgrade (or rollback) and why. */
  private record Request(String requestedBy, String reason) {}

  private static final class State {
    private final String upgradeId;
    private UpgradeStatus status;
    private String platform;
    private String mode;
    private String fromRelease;
    private String toRelease;
    private String rollbackOf;
    private Instant startedAt;
    private Instant endedAt;
    private Instant lastEventAt;
    private String traceId;
    private Failure failure;
    private int eventCount;
    private final Map<String, Request> requests = new HashMap<>();
    private final Set<String> rollbacks = new LinkedHashSet<>();
    private final Map<String, VersionRow> versions = new LinkedHashMap<>();
    private final Map<String, Set<String>> plannedSteps = new HashMap<>();
    private final Set<String> succeededSteps = new HashSet<>();
    private final Set<String> rolledBackComponents = new LinkedHashSet<>();
    private final Map<String, StepRow> steps = new LinkedHashMap<>();
    private final Map<String, GateRow> gates = new LinkedHashMap<>();
    private final Map<String, ApprovalRow> approvals = new LinkedHashMap<>();
    private final List<NotificationRow> notifications = new ArrayList<>();
    private final Map<String, String> typesById = new HashMap<>();

    State(String upgradeId) {
      this.upgradeId = upgradeId;
    }

    void apply(EventEnvelope event) {
      String owner = EventFacts.upgradeIdOf(event);
      boolean own = upgradeId.equals(owner);
      boolean ofRollback = !own && upgradeId.equals(EventFacts.rollbackOfIn(event));
      if (!own && owner != null && (ofRollback || rollbacks.contains(owner))) {
        rollbacks.add(owner);
      } else if (!own) {
        return;
      }
      eventCount++;
      typesById.put(event.id(), event.type());
      platform = platform == null ? event.platform() : platform;
      lastEventAt =
          lastEventAt == null || event.time().isAfter(lastEventAt) ? event.time() : lastEventAt;
      if (traceId == null) {
        traceId = EventTracing.traceId(event.traceparent());
      }
      status = StatusTransitions.next(upgradeId, status, event);
      Object data = event.data();
      if (data instanceof UpgradeRequested requested) {
        requests.putIfAbsent(owner, new Request(requested.requestedBy(), requested.reason()));
      } else if (data instanceof RollbackRequested requested) {
        requests.putIfAbsent(owner, new Request(requested.requestedBy(), requested.reason()));
      } else if (data instanceof PlanCreated created) {
        requests.put(owner, new Request(created.requestedBy(), created.reason()));
        if (own) {
          plan(created.plan());
        }
      } else if (data instanceof PlanRejected rejected) {
        requests.putIfAbsent(owner, new Request(rejected.requestedBy(), null));
        if (own) {
          endedAt = event.time();
          failure =
              new Failure(
                  rejected.errors().isEmpty()
                      ? "rejected"
                      : rejected.errors().get(0).code() + ": " + rejected.errors().get(0).message(),
                  null,
                  null,
                  event.time());
        }
      } else if (data instanceof UpgradeStarted started) {
        if (own) {
          startedAt = startedAt == null ? event.time() : startedAt;
          mode = mode == null ? started.mode().wire() : mode;
          rollbackOf = rollbackOf == null ? started.rollbackOf() : rollbackOf;
        }
      } else if (data instanceof StepStarted started) {
        StepRow previous = steps.get(key(owner, started.stepId()));
        Request request = requests.get(owner);
        steps.put(
            key(owner, started.stepId()),
            new StepRow(
                owner,
                started.stepId(),
                started.wave(),
                started.component(),
                started.action().wire(),
                "running",
                started.attempt(),
                previous == null ? event.time() : previous.startedAt(),
                null,
                null,
                request == null ? null : request.requestedBy(),
                request == null ? null : request.reason()));
      } else if (data instanceof StepSucceeded succeeded) {
        endStep(
            owner,
            succeeded.stepId(),
            succeeded.wave(),
            succeeded.component(),
            succeeded.action().wire(),
            "succeeded",
            null,
            event.time());
        if (own) {
          succeededSteps.add(succeeded.stepId());
          Set<String> planned = plannedSteps.get(succeeded.component());
          if (planned != null && succeededSteps.containsAll(planned)) {
            setState(succeeded.component(), VersionState.UPGRADED);
          }
        } else {
          rolledBackComponents.add(succeeded.component());
        }
      } else if (data instanceof StepFailed failed) {
        endStep(
            owner,
            failed.stepId(),
            failed.wave(),
            failed.component(),
            failed.action().wire(),
            "failed",
            failed.reason(),
            event.time());
        if (own) {
          setState(failed.component(), VersionState.FAILED);
        }
      } else if (data instanceof GateRequested requested) {
        gates.put(
            key(owner, requested.gateId()),
            new GateRow(
                owner,
                requested.gateId(),
                requested.gate().name(),
                requested.gate().kind(),
                requested.gate().component(),
                requested.wave(),
                requested.purpose().wire(),
                "requested",
                requested.changeStartedAt(),
                event.time(),
                null,
                null,
                List.of()));
      } else if (data instanceof GatePassed passed) {
        decideGate(
            owner,
            passed.gateId(),
            passed.gateName(),
            passed.kind(),
            "passed",
            null,
            passed.measurements(),
            event.time());
      } else if (data instanceof GateFailed failed) {
        decideGate(
            owner,
            failed.gateId(),
            failed.gateName(),
            failed.kind(),
            "failed",
            failed.reason(),
            failed.measurements(),
            event.time());
      } else if (data instanceof ApprovalRequested requested) {
        approvals.put(
            key(owner, requested.stepId()),
            new ApprovalRow(
                owner,
                requested.stepId(),
                requested.component(),
                requested.message(),
                event.time(),
                null,
                null,
                null));
      } else if (data instanceof StepApproved approved) {
        ApprovalRow row = approvals.get(key(owner, approved.stepId()));
        if (row != null) {
          approvals.put(
              key(owner, approved.stepId()),
              new ApprovalRow(
                  row.upgradeId(),
                  row.stepId(),
                  row.component(),
                  row.message(),
                  row.requestedAt(),
                  approved.approvedBy(),
                  event.time(),
                  approved.comment()));
        }
      } else if (data instanceof UpgradeCompleted) {
        if (own) {
          endedAt = event.time();
          for (String component : List.copyOf(versions.keySet())) {
            if (versions.get(component).state() == VersionState.PENDING) {
              setState(component, VersionState.UPGRADED);
            }
          }
        }
      } else if (data instanceof UpgradeFailed failed) {
        if (own) {
          endedAt = event.time();
          failure =
              new Failure(
                  failed.reason(), failed.failedStepId(), failed.failedGateId(), event.time());
        }
      } else if (data instanceof UpgradeCancelled cancelled) {
        if (own) {
          endedAt = event.time();
          failure =
              new Failure(
                  "cancelled by "
                      + cancelled.cancelledBy()
                      + (cancelled.reason() == null ? "" : ": " + cancelled.reason()),
                  null,
                  null,
                  event.time());
        }
      } else if (data instanceof RollbackCompleted completed) {
        endedAt = event.time();
        if (!own) {
          Set<String> restored = new LinkedHashSet<>();
          for (VersionChange change : completed.versions()) {
            restored.add(change.component());
          }
          if (restored.isEmpty()) {
            restored.addAll(rolledBackComponents);
          }
          for (String component : restored) {
            if (versions.containsKey(component)
                && versions.get(component).state() != VersionState.PENDING) {
              setState(component, VersionState.ROLLED_BACK);
            }
          }
        }
      } else if (data instanceof RollbackFailed) {
        endedAt = event.time();
      } else if (data instanceof NotificationDelivered delivered) {
        notifications.add(
            new NotificationRow(
                delivered.sourceEventId(),
                typesById.get(delivered.sourceEventId()),
                delivered.team(),
                channelOf(delivered.channel()),
                "delivered",
                delivered.attempts(),
                null,
                event.time()));
      } else if (data instanceof NotificationFailed failed) {
        notifications.add(
            new NotificationRow(
                failed.sourceEventId(),
                typesById.get(failed.sourceEventId()),
                failed.team(),
                channelOf(failed.channel()),
                "failed",
                failed.attempts(),
                failed.reason(),
                event.time()));
      }
    }

    private void plan(Plan plan) {
      mode = plan.mode().wire();
      fromRelease = plan.fromRelease();
      toRelease = plan.toRelease();
      rollbackOf = plan.rollbackOf();
      for (VersionChange change : plan.versions()) {
        versions.putIfAbsent(
            change.component(),
            new VersionRow(
                change.component(),
                change.layer(),
                change.from(),
                change.to(),
                VersionState.PENDING));
      }
      for (Wave wave : plan.waves()) {
        for (PlanStep step : wave.steps()) {
          plannedSteps.computeIfAbsent(step.component(), c -> new LinkedHashSet<>()).add(step.id());
        }
      }
    }

    private void setState(String component, VersionState state) {
      VersionRow row = versions.get(component);
      if (row != null) {
        versions.put(
            component, new VersionRow(row.component(), row.layer(), row.from(), row.to(), state));
      }
    }

    private void endStep(
        String owner,
        String stepId,
        int wave,
        String component,
        String action,
        String outcome,
        String reason,
        Instant at) {
      StepRow previous = steps.get(key(owner, stepId));
      Request request = requests.get(owner);
      steps.put(
          key(owner, stepId),
          new StepRow(
              owner,
              stepId,
              wave,
              component,
              action,
              outcome,
              previous == null ? 1 : previous.attempt(),
              previous == null ? null : previous.startedAt(),
              at,
              reason,
              request == null ? null : request.requestedBy(),
              request == null ? null : request.reason()));
    }

    private void decideGate(
        String owner,
        String gateId,
        String name,
        String kind,
        String outcome,
        String reason,
        List<dev.lockstep.events.v1.Measurement> measurements,
        Instant at) {
      GateRow previous = gates.get(key(owner, gateId));
      gates.put(
          key(owner, gateId),
          new GateRow(
              owner,
              gateId,
              name,
              kind,
              previous == null ? null : previous.component(),
              previous == null ? -1 : previous.wave(),
              previous == null ? "verify" : previous.purpose(),
              outcome,
              previous == null ? null : previous.changeStartedAt(),
              previous == null ? at : previous.requestedAt(),
              at,
              reason,
              measurements));
    }

    /**
     * The version table; once the upgrade has ended, a component it never changed is {@code
     * not-started} rather than {@code pending}, since nothing will change it any more.
     */
    private List<VersionRow> versionTable() {
      boolean ended = status != null && status.terminal();
      return versions.values().stream()
          .map(
              row ->
                  ended && row.state() == VersionState.PENDING
                      ? new VersionRow(
                          row.component(),
                          row.layer(),
                          row.from(),
                          row.to(),
                          VersionState.NOT_STARTED)
                      : row)
          .toList();
    }

    /**
     * A channel as a reader names it: {@code type:name} ({@code slack:#ops}), or {@code feed} for
     * an entry in the team's feed (the notifier names a feed by its team, which the row shows).
     */
    private static String channelOf(ChannelRef channel) {
      return "feed".equals(channel.type()) ? "feed" : channel.type() + ":" + channel.name();
    }

    private static String key(String owner, String id) {
      return owner + "/" + id;
    }

    Optional<UpgradeView> view() {
      if (eventCount == 0) {
        return Optional.empty();
      }
      Request request = requests.get(upgradeId);
      return Optional.of(
          new UpgradeView(
              upgradeId,
              platform,
              mode,
              status == null ? UpgradeStatus.QUEUED : status,
              request == null ? null : request.requestedBy(),
              request == null ? null : request.reason(),
              fromRelease,
              toRelease,
              rollbackOf,
              List.copyOf(rollbacks),
              startedAt,
              endedAt,
              lastEventAt,
              versionTable(),
              List.copyOf(steps.values()),
              List.copyOf(gates.values()),
              List.copyOf(approvals.values()),
              List.copyOf(notifications),
              failure,
              traceId,
              eventCount));
    }
  }
}
