package dev.lockstep.executor.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The saga's decisions from the events alone: waves in order, a component's steps in order and
 * different components in parallel, gates between waves, failure and cancel ending in {@code
 * upgrade.failed} with the history, approvals, rollbacks, and a saga rebuilt after a crash.
 */
class SagaProgressionTest {
  private static final String UPGRADE = "u-1";
  private static final String PLATFORM = "p";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
  private static final WorkloadRef PG = new WorkloadRef("StatefulSet", "data", "pg", null);
  private static final WorkloadRef METIS = new WorkloadRef("Deployment", "core", "metis", null);
  private static final WorkloadRef POROS = new WorkloadRef("Deployment", "core", "poros", null);
  private static final ObjectRef OPERATOR = ObjectRef.of("StatefulSet", "core", "metis-operator");

  private final List<EventEnvelope> log = new ArrayList<>();

  private static Plan threeWaves() {
    return TestingPlans.plan(
        UPGRADE,
        PLATFORM,
        PlanMode.UPGRADE,
        null,
        List.of(
            new Wave(
                0,
                "cloud-kernel",
                List.of(
                    TestingPlans.backup("s-0-1", "pg", PG),
                    TestingPlans.setImage("s-0-2", "pg", PG, "pg:16", "15", "16")),
                List.of(TestingPlans.gate("health"))),
            new Wave(
                1,
                "core-kernel",
                List.of(
                    TestingPlans.drain("s-1-1", "metis", List.of(OPERATOR)),
                    TestingPlans.setImage("s-1-2", "metis", METIS, "metis:2", "1", "2"),
                    TestingPlans.setImage("s-1-3", "poros", POROS, "poros:2", "1", "2")),
                List.of(TestingPlans.gate("health"), TestingPlans.gate("errors"))),
            new Wave(2, "user-space", List.of(TestingPlans.approve("s-2-1", "ui")), List.of())));
  }

  private UpgradeSaga saga() {
    return UpgradeSaga.fold(UPGRADE, log);
  }

  private void add(EventPayload payload) {
    log.add(
        EventEnvelope.create(
            EventCatalog.standard(), "test", PLATFORM, UPGRADE, payload, null, CLOCK));
  }

  private static ObjectState before(String name, int replicas) {
    return new ObjectState(
        "apps/v1",
        "Deployment",
        "core",
        name,
        true,
        "1",
        Map.of("app", name + ":1"),
        replicas,
        "1",
        Map.of(),
        null);
  }

  private void succeed(PlanStep step, int wave, ObjectState... before) {
    add(new StepStarted(UPGRADE, step.id(), wave, step.component(), step.action(), 1));
    add(
        new StepSucceeded(
            UPGRADE,
            step.id(),
            wave,
            step.component(),
            step.action(),
            step.from(),
            step.to(),
            List.of(before),
            null));
  }

  private static List<String> stepsToRun(List<Decision> decisions) {
    return decisions.stream()
        .filter(d -> d instanceof Decision.RunStep)
        .map(d -> ((Decision.RunStep) d).step().id())
        .toList();
  }

  private static List<String> gatesToRequest(List<Decision> decisions) {
    return decisions.stream()
        .filter(d -> d instanceof Decision.RequestGate)
        .map(d -> ((Decision.RequestGate) d).gateId())
        .toList();
  }

  private void passGate(String gateId) {
    add(new GatePassed(UPGRADE, gateId, gateId, "http", List.of(), null));
  }

  @Test
  void wavesRunInOrderAndEachWaitsForItsGates() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    assertThat(saga().next()).containsExactly(new Decision.Start());
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));

    assertThat(stepsToRun(saga().next())).containsExactly("s-0-1");
    succeed(plan.waves().get(0).steps().get(0), 0);
    assertThat(stepsToRun(saga().next())).containsExactly("s-0-2");
    succeed(plan.waves().get(0).steps().get(1), 0, before("pg", 1));

    List<Decision> afterWave0 = saga().next();
    assertThat(stepsToRun(afterWave0)).isEmpty();
    assertThat(gatesToRequest(afterWave0)).containsExactly("w0-health");
    add(
        new GateRequested(
            UPGRADE,
            PLATFORM,
            "w0-health",
            0,
            plan.waves().get(0).gates().get(0),
            GatePurpose.VERIFY,
            CLOCK.instant()));
    assertThat(saga().next()).as("waiting for the verdict").isEmpty();
    passGate("w0-health");

    assertThat(stepsToRun(saga().next()))
        .as("different components of a wave run in parallel")
        .containsExactly("s-1-1", "s-1-3");
    succeed(plan.waves().get(1).steps().get(0), 1, before("metis-operator", 2));
    succeed(plan.waves().get(1).steps().get(2), 1, before("poros", 2));
    Decision.RunStep metis = (Decision.RunStep) saga().next().get(0);
    assertThat(metis.step().id()).isEqualTo("s-1-2");
    assertThat(metis.priorBefore())
        .as("the drain's before-states travel with the component")
        .extracting(ObjectState::name)
        .containsExactly("metis-operator");
    succeed(plan.waves().get(1).steps().get(1), 1, before("metis", 2));
    assertThat(gatesToRequest(saga().next())).containsExactly("w1-health", "w1-errors");
    passGate("w1-health");
    assertThat(gatesToRequest(saga().next())).containsExactly("w1-errors");
    passGate("w1-errors");

    assertThat(saga().next())
        .containsExactly(new Decision.RequestApproval(plan.waves().get(2).steps().get(0), 2));
    add(new StepStarted(UPGRADE, "s-2-1", 2, "ui", plan.waves().get(2).steps().get(0).action(), 1));
    assertThat(saga().next()).as("waiting for a person").isEmpty();
    add(new StepApproved(UPGRADE, PLATFORM, "s-2-1", "bob", null));
    assertThat(saga().next())
        .containsExactly(new Decision.CompleteApproval(plan.waves().get(2).steps().get(0), 2));
    succeed(plan.waves().get(2).steps().get(0), 2);

    List<Decision> end = saga().next();
    assertThat(end).hasSize(1);
    assertThat(((Decision.Finish) end.get(0)).event()).isInstanceOf(UpgradeCompleted.class);
    add(((Decision.Finish) end.get(0)).event());
    assertThat(saga().finished()).isTrue();
    assertThat(saga().next()).isEmpty();
  }

  /** What the executor reads ahead while the upgrade's {@code upgrade.started} is acknowledged. */
  @Test
  void theStepsOnceStartedAreTheFirstStepsTheStartedUpgradeRunsAndAskingChangesNothing() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    UpgradeSaga saga = saga();
    assertThat(saga.stepsOnceStarted(CLOCK.instant()))
        .extracting(run -> run.step().id())
        .containsExactly("s-0-1");
    assertThat(saga.next()).as("still not started").containsExactly(new Decision.Start());

    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    UpgradeSaga started = saga();
    assertThat(started.next())
        .containsExactlyElementsOf(
            UpgradeSaga.fold(UPGRADE, log.subList(0, 1)).stepsOnceStarted(null));
    assertThat(started.stepsOnceStarted(CLOCK.instant())).as("started already").isEmpty();
  }

  @Test
  void aFailedGateEndsTheUpgradeWithEveryChangeInTheHistory() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    add(new StepStarted(UPGRADE, "s-0-1", 0, "pg", plan.waves().get(0).steps().get(0).action(), 1));
    add(
        new StepSucceeded(
            UPGRADE,
            "s-0-1",
            0,
            "pg",
            plan.waves().get(0).steps().get(0).action(),
            null,
            null,
            List.of(),
            "data-pg-0-snap"));
    succeed(plan.waves().get(0).steps().get(1), 0, before("pg", 1));
    add(new GateFailed(UPGRADE, "w0-health", "health", "http", "status 503", List.of()));

    Decision.Finish finish = (Decision.Finish) saga().next().get(0);
    UpgradeFailed failed = (UpgradeFailed) finish.event();
    assertThat(failed.failedGateId()).isEqualTo("w0-health");
    assertThat(failed.reason()).contains("health").contains("status 503");
    assertThat(failed.cancelled()).isFalse();
    assertThat(failed.history()).extracting(o -> o.stepId()).containsExactly("s-0-1", "s-0-2");
    assertThat(failed.history().get(0).snapshot()).isEqualTo("data-pg-0-snap");
    assertThat(failed.history().get(1).before()).containsExactly(before("pg", 1));
  }

  @Test
  void aFailedStepWaitsForTheOtherStepsOfItsWaveAndRecordsWhatItChanged() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    succeed(plan.waves().get(0).steps().get(0), 0);
    succeed(plan.waves().get(0).steps().get(1), 0, before("pg", 1));
    passGate("w0-health");
    PlanStep drain = plan.waves().get(1).steps().get(0);
    PlanStep poros = plan.waves().get(1).steps().get(2);
    add(new StepStarted(UPGRADE, drain.id(), 1, "metis", drain.action(), 1));
    add(new StepStarted(UPGRADE, poros.id(), 1, "poros", poros.action(), 1));
    add(
        new StepFailed(
            UPGRADE,
            poros.id(),
            1,
            "poros",
            poros.action(),
            "rollout exceeded its progress deadline",
            List.of(before("poros", 2))));

    assertThat(stepsToRun(saga().next()))
        .as("the drain in flight finishes first; nothing new starts")
        .containsExactly("s-1-1");
    add(
        new StepSucceeded(
            UPGRADE,
            drain.id(),
            1,
            "metis",
            drain.action(),
            null,
            null,
            List.of(before("metis-operator", 2)),
            null));

    UpgradeFailed failed = (UpgradeFailed) ((Decision.Finish) saga().next().get(0)).event();
    assertThat(failed.failedStepId()).isEqualTo("s-1-3");
    assertThat(failed.reason()).contains("progress deadline");
    assertThat(failed.history())
        .extracting(o -> o.stepId())
        .containsExactly("s-0-2", "s-1-3", "s-1-1");
  }

  @Test
  void aCancelStopsBeforeTheNextStep() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    succeed(plan.waves().get(0).steps().get(0), 0);
    add(new UpgradeCancelled(UPGRADE, PLATFORM, "alice", "freeze", true));

    UpgradeFailed failed = (UpgradeFailed) ((Decision.Finish) saga().next().get(0)).event();
    assertThat(failed.cancelled()).isTrue();
    assertThat(failed.reason()).contains("alice").contains("freeze");
    assertThat(stepsToRun(saga().next())).doesNotContain("s-0-2");
  }

  @Test
  void aPlanCancelledBeforeItStartedEndsWithoutTouchingAnything() {
    add(new PlanCreated(threeWaves(), "test", null));
    add(new UpgradeCancelled(UPGRADE, PLATFORM, "alice", null, false));

    List<Decision> decisions = saga().next();
    assertThat(decisions).hasSize(1);
    UpgradeFailed failed = (UpgradeFailed) ((Decision.Finish) decisions.get(0)).event();
    assertThat(failed.cancelled()).isTrue();
    assertThat(failed.history()).isEmpty();
  }

  @Test
  void aRebuiltSagaRunsAStartedStepAgainWithTheNextAttemptAndNeverASucceededOne() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    succeed(plan.waves().get(0).steps().get(0), 0);
    add(new StepStarted(UPGRADE, "s-0-2", 0, "pg", plan.waves().get(0).steps().get(1).action(), 1));

    UpgradeSaga rebuilt = UpgradeSaga.fold(UPGRADE, List.copyOf(log));
    List<Decision> decisions = rebuilt.next();
    assertThat(decisions).hasSize(1);
    Decision.RunStep again = (Decision.RunStep) decisions.get(0);
    assertThat(again.step().id()).isEqualTo("s-0-2");
    assertThat(again.attempt()).isEqualTo(2);

    List<EventEnvelope> duplicated = new ArrayList<>(log);
    duplicated.addAll(log);
    assertThat(UpgradeSaga.fold(UPGRADE, duplicated).next())
        .as("an event read twice counts once")
        .isEqualTo(decisions);
  }

  @Test
  void aStepRunAgainTakesTheBeforeStatesOfItsFirstIntentInsteadOfReadingThem() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    Decision.RunStep fresh = (Decision.RunStep) saga().next().get(0);
    assertThat(fresh.startedBefore())
        .as("a step that has not started reads its before-states from the cluster")
        .isNull();
    succeed(plan.waves().get(0).steps().get(0), 0);
    PlanStep pg = plan.waves().get(0).steps().get(1);
    add(new StepStarted(UPGRADE, pg.id(), 0, "pg", pg.action(), 1, List.of(before("pg", 1))));
    add(new StepStarted(UPGRADE, pg.id(), 0, "pg", pg.action(), 2, List.of(before("pg", 0))));

    Decision.RunStep again = (Decision.RunStep) UpgradeSaga.fold(UPGRADE, log).next().get(0);

    assertThat(again.attempt()).isEqualTo(3);
    assertThat(again.startedBefore()).containsExactly(before("pg", 1));
  }

  @Test
  void aStepWhoseIntentCameFromAV1ProducerRunsAgainWithoutRecordedBeforeStates() {
    Plan plan = threeWaves();
    add(new PlanCreated(plan, "test", null));
    add(new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 3, 6));
    add(new StepStarted(UPGRADE, "s-0-1", 0, "pg", plan.waves().get(0).steps().get(0).action(), 1));

    Decision.RunStep again = (Decision.RunStep) saga().next().get(0);

    assertThat(again.startedBefore())
        .as("started, so not read again; the stamps on the objects tell")
        .isEmpty();
  }

  @Test
  void aRollbackPlanEndsInRollbackCompleted() {
    Plan rollback =
        TestingPlans.plan(
            "r-1",
            PLATFORM,
            PlanMode.ROLLBACK,
            UPGRADE,
            List.of(
                new Wave(
                    0,
                    "all",
                    List.of(TestingPlans.setImage("r-0-1", "pg", PG, "pg:15", "16", "15")),
                    List.of())));
    List<EventEnvelope> events = new ArrayList<>();
    for (EventPayload payload :
        List.<EventPayload>of(
            new PlanCreated(rollback, "test", null),
            new UpgradeStarted("r-1", PLATFORM, PlanMode.ROLLBACK, UPGRADE, 1, 1),
            new StepStarted(
                "r-1", "r-0-1", 0, "pg", rollback.waves().get(0).steps().get(0).action(), 1),
            new StepSucceeded(
                "r-1",
                "r-0-1",
                0,
                "pg",
                rollback.waves().get(0).steps().get(0).action(),
                "16",
                "15",
                List.of(),
                null))) {
      events.add(
          EventEnvelope.create(
              EventCatalog.standard(), "test", PLATFORM, "r-1", payload, null, CLOCK));
    }
    Decision.Finish finish = (Decision.Finish) UpgradeSaga.fold("r-1", events).next().get(0);
    RollbackCompleted completed = (RollbackCompleted) finish.event();
    assertThat(completed.rollbackOf()).isEqualTo(UPGRADE);
    assertThat(completed.upgradeId()).isEqualTo("r-1");
  }
}
