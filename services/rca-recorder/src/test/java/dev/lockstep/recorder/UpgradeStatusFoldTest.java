package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.UpgradeStatus;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Window;
import dev.lockstep.recorder.projection.StatusTransitions;
import dev.lockstep.recorder.projection.UpgradeFold;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.projection.VersionState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The status, version table and audit trail of an upgrade as a pure fold over its events. */
class UpgradeStatusFoldTest {
  private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

  private final TestingScenario scenario =
      TestingScenario.failedGateRolledBack("dataos-test", START);

  private List<UpgradeStatus> statusesAfterEachEvent(String upgradeId, List<EventEnvelope> events) {
    List<UpgradeStatus> statuses = new ArrayList<>();
    UpgradeStatus status = null;
    for (EventEnvelope event : events) {
      status = StatusTransitions.next(upgradeId, status, event);
      statuses.add(status);
    }
    return statuses;
  }

  private String typeAt(int index) {
    return scenario.events().get(index).type();
  }

  @Test
  void aFailedGateTakesTheUpgradeThroughEveryStatusToRolledBack() {
    List<EventEnvelope> events = scenario.events();
    List<UpgradeStatus> statuses = statusesAfterEachEvent(scenario.upgradeId, events);

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < statuses.size(); i++) {
      if (i == 0 || statuses.get(i) != statuses.get(i - 1)) {
        seen.add(typeAt(i).replace("dev.lockstep.", "") + " -> " + statuses.get(i).wire());
      }
    }
    assertThat(seen)
        .containsExactly(
            "upgrade.requested -> queued",
            "upgrade.started -> running",
            "gate.requested -> waiting-gate",
            "gate.passed -> running",
            "gate.requested -> waiting-gate",
            "upgrade.failed -> failed",
            "plan.created -> rolling-back",
            "rollback.completed -> rolled-back");
  }

  @Test
  void theVersionTableShowsEachComponentUpgradedThenRolledBack() {
    List<EventEnvelope> events = scenario.events();
    int failedAt = indexOf(events, "dev.lockstep.upgrade.failed");
    UpgradeView beforeRollback =
        UpgradeFold.fold(scenario.upgradeId, events.subList(0, failedAt + 1)).orElseThrow();
    UpgradeView after = UpgradeFold.fold(scenario.upgradeId, events).orElseThrow();

    assertThat(beforeRollback.versions())
        .extracting(v -> v.component() + " " + v.from() + "->" + v.to() + " " + v.state().wire())
        .containsExactly(
            "postgres 15.3.0->15.4.0 upgraded",
            "metis 2.3.1->2.4.0 upgraded",
            "notebooks 1.8.2->2.0.0 pending");
    assertThat(after.versions())
        .as("once the rollback has ended, the wave never reached is not-started, not pending")
        .extracting(v -> v.component() + " " + v.state().wire())
        .containsExactly("postgres rolled-back", "metis rolled-back", "notebooks not-started");
    assertThat(after.status()).isEqualTo(UpgradeStatus.ROLLED_BACK);
    assertThat(after.rollbacks()).containsExactly(scenario.rollbackId);
    assertThat(after.endedAt()).isEqualTo(scenario.at(25));
    assertThat(after.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void everyStepSaysWhoRequestedItsUpgradeAndWhy() {
    UpgradeView view = UpgradeFold.fold(scenario.upgradeId, scenario.events()).orElseThrow();

    assertThat(view.requestedBy()).isEqualTo(TestingScenario.REQUESTED_BY);
    assertThat(view.reason()).isEqualTo(TestingScenario.REASON);
    assertThat(view.steps())
        .extracting(
            s -> s.upgradeId() + " " + s.stepId() + " " + s.state() + " by " + s.requestedBy())
        .containsExactly(
            scenario.upgradeId + " s-0-1 succeeded by " + TestingScenario.REQUESTED_BY,
            scenario.upgradeId + " s-1-1 succeeded by " + TestingScenario.REQUESTED_BY,
            scenario.rollbackId + " r-0-1 succeeded by lockstep-planner",
            scenario.rollbackId + " r-1-1 succeeded by lockstep-planner");
    assertThat(view.steps().get(2).requestReason()).contains(scenario.upgradeId);
  }

  @Test
  void theRollbackIsAnUpgradeOfItsOwnThatCompletes() {
    UpgradeView rollback = UpgradeFold.fold(scenario.rollbackId, scenario.events()).orElseThrow();

    assertThat(rollback.mode()).isEqualTo("rollback");
    assertThat(rollback.rollbackOf()).isEqualTo(scenario.upgradeId);
    assertThat(rollback.status()).isEqualTo(UpgradeStatus.COMPLETED);
  }

  @Test
  void aPlanWhoseWindowOpensLaterIsScheduled() {
    List<EventEnvelope> events = scenario.events();
    PlanCreated created = events.get(1).dataAs(PlanCreated.class);
    Plan p = created.plan();
    Plan windowed =
        new Plan(
            p.upgradeId(),
            p.platform(),
            p.mode(),
            p.fromRelease(),
            p.toRelease(),
            p.versions(),
            p.waves(),
            p.risk(),
            p.expectedDowntime(),
            TestingScenario.windowLater(events.get(1).time()),
            null,
            null);
    EventEnvelope planned = event(1, new PlanCreated(windowed, "alice", "later"));

    assertThat(StatusTransitions.next(scenario.upgradeId, UpgradeStatus.QUEUED, planned))
        .isEqualTo(UpgradeStatus.SCHEDULED);
    assertThat(StatusTransitions.next(scenario.upgradeId, UpgradeStatus.QUEUED, events.get(1)))
        .isEqualTo(UpgradeStatus.QUEUED);
  }

  @Test
  void anUpgradeHeldByAPauseOrItsClosedWindowIsPausedUntilItRunsAgain() {
    String up = scenario.upgradeId;
    Instant closed = START.plusSeconds(5);
    EventEnvelope held = event(5, new UpgradeWindowClosed(up, "dataos-test", 1, closed));
    EventEnvelope inFlightDone =
        event(
            6,
            new StepSucceeded(
                up,
                "s-0-1",
                0,
                "postgres",
                StepAction.SET_IMAGE,
                "15.3.0",
                "15.4.0",
                List.of(),
                null));
    Instant opens = START.plus(Duration.ofDays(2));
    EventEnvelope rescheduled =
        event(
            7,
            new UpgradeRescheduled(
                up, "dataos-test", new Window(opens, opens.plus(Duration.ofHours(4)))));
    EventEnvelope nextWave =
        event(8, new StepStarted(up, "s-1-0", 1, "poros", StepAction.SET_IMAGE, 1));

    UpgradeStatus paused = StatusTransitions.next(up, UpgradeStatus.RUNNING, held);
    assertThat(paused).isEqualTo(UpgradeStatus.PAUSED);
    assertThat(StatusTransitions.next(up, paused, inFlightDone)).isEqualTo(UpgradeStatus.PAUSED);
    UpgradeStatus scheduled = StatusTransitions.next(up, paused, rescheduled);
    assertThat(scheduled).isEqualTo(UpgradeStatus.SCHEDULED);
    assertThat(StatusTransitions.next(up, scheduled, nextWave)).isEqualTo(UpgradeStatus.RUNNING);

    EventEnvelope pausedByAlice =
        event(9, new UpgradePaused(up, "dataos-test", "alice", "traffic peak"));
    EventEnvelope resumed = event(10, new UpgradeResumed(up, "dataos-test", "alice", null));
    UpgradeStatus byPerson = StatusTransitions.next(up, UpgradeStatus.WAITING_GATE, pausedByAlice);
    assertThat(byPerson).isEqualTo(UpgradeStatus.PAUSED);
    assertThat(StatusTransitions.next(up, byPerson, resumed)).isEqualTo(UpgradeStatus.RUNNING);
    assertThat(StatusTransitions.next(up, UpgradeStatus.ROLLED_BACK, held))
        .isEqualTo(UpgradeStatus.ROLLED_BACK);
  }

  @Test
  void anApprovalWaitsForAPersonThenRunsAgain() {
    String up = scenario.upgradeId;
    EventEnvelope asked =
        event(
            5, new ApprovalRequested(up, "dataos-test", "s-1-0", "poros", "major jump: approve?"));
    EventEnvelope approved = event(6, new StepApproved(up, "dataos-test", "s-1-0", "bob", "go"));

    UpgradeStatus waiting = StatusTransitions.next(up, UpgradeStatus.RUNNING, asked);
    assertThat(waiting).isEqualTo(UpgradeStatus.WAITING_APPROVAL);
    assertThat(StatusTransitions.next(up, waiting, approved)).isEqualTo(UpgradeStatus.RUNNING);
  }

  @Test
  void rejectedCancelledCompletedAndRollbackFailedAreWhereTheyEnd() {
    String up = scenario.upgradeId;
    EventEnvelope rejected =
        event(
            1,
            new PlanRejected(
                up,
                "dataos-test",
                "upgrade.requested",
                null,
                List.of(new ErrorDetail("dependency-cycle", "release.spec", "a <-> b")),
                "alice"));
    EventEnvelope cancelled =
        event(2, new UpgradeCancelled(up, "dataos-test", "bob", "freeze", false));
    EventEnvelope completed = event(9, new UpgradeCompleted(up, "dataos-test", List.of()));
    EventEnvelope rollbackFailed =
        event(
            30,
            scenario.rollbackId,
            new RollbackFailed(
                scenario.rollbackId, up, "dataos-test", "image pull failed", "r-0-1"));

    assertThat(StatusTransitions.next(up, UpgradeStatus.QUEUED, rejected))
        .isEqualTo(UpgradeStatus.REJECTED);
    assertThat(StatusTransitions.next(up, UpgradeStatus.SCHEDULED, cancelled))
        .isEqualTo(UpgradeStatus.CANCELLED);
    assertThat(StatusTransitions.next(up, UpgradeStatus.WAITING_GATE, completed))
        .isEqualTo(UpgradeStatus.COMPLETED);
    assertThat(StatusTransitions.next(up, UpgradeStatus.ROLLING_BACK, rollbackFailed))
        .isEqualTo(UpgradeStatus.ROLLBACK_FAILED);
    assertThat(StatusTransitions.next(up, UpgradeStatus.COMPLETED, cancelled))
        .as("a cancel that comes after the end changes nothing")
        .isEqualTo(UpgradeStatus.COMPLETED);
  }

  /**
   * A running upgrade that is cancelled has not ended: it fails as cancelled and its rollback
   * follows, so `lockstep watch` keeps following it until the rollback ends (the soak saw a
   * terminal `cancelled` while the rollback still ran).
   */
  @Test
  void aRunningUpgradeThatIsCancelledGoesOnUntilItsRollbackEnds() {
    String up = scenario.upgradeId;
    EventEnvelope cancelled =
        event(5, new UpgradeCancelled(up, "dataos-test", "bob", "wrong window", true));
    StepOutcome changed =
        new StepOutcome("s-0-1", "metis", StepAction.SET_IMAGE, "1.0.0", "1.1.0", List.of(), null);
    EventEnvelope failed =
        event(
            6,
            new UpgradeFailed(
                up,
                "dataos-test",
                "cancelled by bob: wrong window",
                null,
                null,
                true,
                List.of(changed)));
    EventEnvelope failedBeforeAnyChange =
        event(
            6,
            new UpgradeFailed(
                up, "dataos-test", "cancelled by bob: wrong window", null, null, true, List.of()));

    UpgradeStatus afterCancel = StatusTransitions.next(up, UpgradeStatus.RUNNING, cancelled);
    assertThat(afterCancel).isEqualTo(UpgradeStatus.RUNNING);
    UpgradeStatus afterFailure = StatusTransitions.next(up, afterCancel, failed);
    assertThat(afterFailure).isEqualTo(UpgradeStatus.FAILED);
    assertThat(afterFailure.terminal()).as("a rollback follows").isFalse();
    assertThat(StatusTransitions.next(up, afterCancel, failedBeforeAnyChange))
        .as("nothing to roll back: it has ended")
        .isEqualTo(UpgradeStatus.CANCELLED);
  }

  /**
   * A component the upgrade never reached is pending while it runs and not-started once it has
   * ended: nothing will change it any more, and the post-mortem says so.
   */
  @Test
  void aComponentTheUpgradeNeverReachedIsNotStartedOnceItHasEnded() {
    List<EventEnvelope> events = scenario.events();
    List<EventEnvelope> started =
        new ArrayList<>(events.subList(0, indexOf(events, "dev.lockstep.upgrade.started") + 1));
    UpgradeView running = UpgradeFold.fold(scenario.upgradeId, started).orElseThrow();
    // cancelled while it ran, before it changed anything: nothing to roll back, it has ended
    started.add(
        event(4, new UpgradeCancelled(scenario.upgradeId, "dataos-test", "bob", "freeze", true)));
    started.add(
        event(
            5,
            new UpgradeFailed(
                scenario.upgradeId,
                "dataos-test",
                "cancelled by bob: freeze",
                null,
                null,
                true,
                List.of())));
    UpgradeView ended = UpgradeFold.fold(scenario.upgradeId, started).orElseThrow();

    assertThat(running.versions())
        .extracting(UpgradeView.VersionRow::state)
        .containsOnly(VersionState.PENDING);
    assertThat(ended.status().terminal()).isTrue();
    assertThat(ended.versions()).extracting(v -> v.state().wire()).containsOnly("not-started");
  }

  @Test
  void eventsOfOtherUpgradesLeaveTheStatusAlone() {
    EventEnvelope other =
        event(
            3,
            "another-upgrade",
            new UpgradeCompleted("another-upgrade", "dataos-test", List.of()));

    assertThat(StatusTransitions.next(scenario.upgradeId, UpgradeStatus.RUNNING, other))
        .isEqualTo(UpgradeStatus.RUNNING);
  }

  private EventEnvelope event(int second, EventPayload payload) {
    return event(second, scenario.upgradeId, payload);
  }

  private EventEnvelope event(int second, String subject, EventPayload payload) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "test",
        "dataos-test",
        subject,
        payload,
        null,
        Clock.fixed(START.plusSeconds(second), ZoneOffset.UTC));
  }

  private static int indexOf(List<EventEnvelope> events, String type) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type().equals(type)) {
        return i;
      }
    }
    throw new AssertionError("no " + type);
  }
}
