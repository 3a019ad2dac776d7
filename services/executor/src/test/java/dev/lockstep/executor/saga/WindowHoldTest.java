package dev.lockstep.executor.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No wave starts outside the upgrade's window: the saga holds the upgrade when its next wave would
 * start after {@code notAfter}, stays held when folded again from the log (a restarted executor),
 * waits for a rescheduled window to open, and runs on once a person resumes it.
 */
class WindowHoldTest {
  private static final String UPGRADE = "u-w";
  private static final String PLATFORM = "p";
  private static final Instant T0 = Instant.parse("2026-11-24T21:00:00Z");
  private static final WorkloadRef METIS = new WorkloadRef("Deployment", "core", "metis", null);
  private static final WorkloadRef POROS = new WorkloadRef("Deployment", "core", "poros", null);
  private static final PlanStep METIS_STEP =
      TestingPlans.setImage("s-0-1", "metis", METIS, "metis:2", "1", "2");
  private static final PlanStep POROS_STEP =
      TestingPlans.setImage("s-1-1", "poros", POROS, "poros:2", "1", "2");

  private final List<EventEnvelope> log = new ArrayList<>();

  private void add(EventPayload payload) {
    log.add(
        EventEnvelope.create(
            EventCatalog.standard(),
            "test",
            PLATFORM,
            UPGRADE,
            payload,
            null,
            Clock.fixed(T0, ZoneOffset.UTC)));
  }

  private List<Decision> nextAt(Instant now) {
    return UpgradeSaga.fold(UPGRADE, log).next(now);
  }

  /** Wave 0 done and its gate passed; the window closes at T0 + 1h. */
  private void waveZeroDone() {
    Plan plan =
        TestingPlans.plan(
            UPGRADE,
            PLATFORM,
            PlanMode.UPGRADE,
            null,
            List.of(
                new Wave(0, "core", List.of(METIS_STEP), List.of(TestingPlans.gate("health"))),
                new Wave(1, "user", List.of(POROS_STEP), List.of())));
    add(
        new PlanCreated(
            TestingPlans.withWindow(plan, new Window(T0, T0.plus(Duration.ofHours(1)))),
            "t",
            null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 2, 2));
    add(new StepStarted(UPGRADE, "s-0-1", 0, "metis", METIS_STEP.action(), 1));
    add(
        new StepSucceeded(
            UPGRADE, "s-0-1", 0, "metis", METIS_STEP.action(), "1", "2", List.of(), null));
    add(new GatePassed(UPGRADE, "w0-health", "health", "http", List.of(), null));
  }

  @Test
  void theNextWaveStartsWithinTheWindowAndIsHeldOnceItClosed() {
    waveZeroDone();
    assertThat(nextAt(T0.plus(Duration.ofMinutes(59))))
        .singleElement()
        .isInstanceOfSatisfying(
            Decision.RunStep.class, run -> assertThat(run.step().id()).isEqualTo("s-1-1"));

    Instant closed = T0.plus(Duration.ofHours(1));
    assertThat(nextAt(closed)).containsExactly(new Decision.CloseWindow(1, closed));

    add(new UpgradeWindowClosed(UPGRADE, PLATFORM, 1, closed));
    UpgradeSaga refolded = UpgradeSaga.fold(UPGRADE, log);
    assertThat(refolded.heldByWindow()).as("held, as a restarted executor folds it").isTrue();
    assertThat(refolded.next(closed.plus(Duration.ofDays(3)))).as("nothing starts").isEmpty();
  }

  @Test
  void aRescheduledUpgradeWaitsForItsNewWindowThenRuns() {
    waveZeroDone();
    Instant closed = T0.plus(Duration.ofHours(1));
    add(new UpgradeWindowClosed(UPGRADE, PLATFORM, 1, closed));
    Instant opens = T0.plus(Duration.ofDays(2));
    add(new UpgradeRescheduled(UPGRADE, PLATFORM, new Window(opens, opens.plusSeconds(3600))));

    assertThat(nextAt(opens.minusSeconds(1))).containsExactly(new Decision.AwaitWindow(opens));
    assertThat(nextAt(opens))
        .singleElement()
        .isInstanceOfSatisfying(
            Decision.RunStep.class, run -> assertThat(run.step().id()).isEqualTo("s-1-1"));
    assertThat(nextAt(opens.plusSeconds(3600)))
        .as("the new window closes too")
        .containsExactly(new Decision.CloseWindow(1, opens.plusSeconds(3600)));
  }

  @Test
  void aResumedUpgradeRunsOnWithoutItsWindow() {
    waveZeroDone();
    Instant closed = T0.plus(Duration.ofHours(1));
    add(new UpgradeWindowClosed(UPGRADE, PLATFORM, 1, closed));
    add(new UpgradeResumed(UPGRADE, PLATFORM, "alice", "finish it tonight"));

    UpgradeSaga saga = UpgradeSaga.fold(UPGRADE, log);
    assertThat(saga.heldByWindow()).isFalse();
    assertThat(saga.window()).isEmpty();
    assertThat(saga.next(closed.plus(Duration.ofHours(2))))
        .singleElement()
        .isInstanceOf(Decision.RunStep.class);
  }
}
