package dev.lockstep.executor.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.WorkloadRef;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Data-integrity gates get their baseline before anything they watch changes: before the first
 * wave, every gate of the plan that compares to a baseline (the rollback's verification compares
 * with that one); before a later wave, that wave's own. Nothing of the wave runs until the captures
 * have passed; a capture that fails fails the upgrade before it changes anything. A rollback's
 * gates ask to be compared with the baseline of the upgrade they undo.
 */
class BaselineCaptureTest {
  private static final String UPGRADE = "u-1";
  private static final String PLATFORM = "p";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
  private static final WorkloadRef PG = new WorkloadRef("StatefulSet", "data", "pg", null);
  private static final WorkloadRef ORDERS = new WorkloadRef("Deployment", "core", "orders", null);

  private final List<EventEnvelope> log = new ArrayList<>();

  private static PlannedGate rowsIntact() {
    Gate spec =
        new Gate(
            "rows-intact",
            null,
            null,
            null,
            new Gate.SqlCheck("orders", "select count(*) from orders", null, true),
            null,
            "5s",
            1,
            0,
            null,
            null,
            null);
    return new PlannedGate("rows-intact", "sql", null, spec);
  }

  private static Plan plan(String id, PlanMode mode, String rollbackOf) {
    return TestingPlans.plan(
        id,
        PLATFORM,
        mode,
        rollbackOf,
        List.of(
            new Wave(
                0,
                "cloud-kernel",
                List.of(TestingPlans.setImage("s-0-1", "pg", PG, "pg:16", "15", "16")),
                List.of(TestingPlans.gate("health"))),
            new Wave(
                1,
                "core-kernel",
                List.of(TestingPlans.setImage("s-1-1", "orders", ORDERS, "orders:2", "1", "2")),
                List.of(rowsIntact()))));
  }

  private void add(String upgradeId, EventPayload payload) {
    log.add(
        EventEnvelope.create(
            EventCatalog.standard(), "test", PLATFORM, upgradeId, payload, null, CLOCK));
  }

  private List<Decision> next(String upgradeId) {
    return UpgradeSaga.fold(upgradeId, log).next();
  }

  private static List<Decision.RequestGate> gateRequests(List<Decision> decisions) {
    return decisions.stream()
        .filter(d -> d instanceof Decision.RequestGate)
        .map(d -> (Decision.RequestGate) d)
        .toList();
  }

  private void request(Decision.RequestGate gate, String upgradeId) {
    add(
        upgradeId,
        new GateRequested(
            upgradeId,
            PLATFORM,
            gate.gateId(),
            gate.wave(),
            gate.gate(),
            gate.purpose(),
            gate.changeStartedAt(),
            gate.baselineOf()));
  }

  private void succeed(String upgradeId, String stepId, int wave, String component) {
    add(upgradeId, new StepStarted(upgradeId, stepId, wave, component, StepAction.SET_IMAGE, 1));
    add(
        upgradeId,
        new StepSucceeded(
            upgradeId, stepId, wave, component, StepAction.SET_IMAGE, "1", "2", List.of(), null));
  }

  @Test
  void everyComparingGateIsCapturedBeforeTheFirstWriteAndItsWaveWaitsForItsOwnCapture() {
    add(UPGRADE, new PlanCreated(plan(UPGRADE, PlanMode.UPGRADE, null), "sam", null));
    add(UPGRADE, new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 2, 2));

    List<Decision> first = next(UPGRADE);
    assertThat(first).as("nothing runs before the baseline").hasSize(1);
    Decision.RequestGate capture = gateRequests(first).get(0);
    assertThat(capture.gateId()).isEqualTo("b0-rows-intact");
    assertThat(capture.purpose()).isEqualTo(GatePurpose.CAPTURE_BASELINE);
    request(capture, UPGRADE);
    assertThat(next(UPGRADE)).as("waiting for the capture's verdict").isEmpty();

    add(UPGRADE, new GatePassed(UPGRADE, "b0-rows-intact", "rows-intact", "sql", List.of(), "42"));
    assertThat(next(UPGRADE))
        .singleElement()
        .isInstanceOfSatisfying(
            Decision.RunStep.class, run -> assertThat(run.step().id()).isEqualTo("s-0-1"));

    succeed(UPGRADE, "s-0-1", 0, "pg");
    add(UPGRADE, new GatePassed(UPGRADE, "w0-health", "health", "http", List.of(), null));
    List<Decision.RequestGate> beforeWave1 = gateRequests(next(UPGRADE));
    assertThat(beforeWave1)
        .extracting(Decision.RequestGate::gateId, Decision.RequestGate::purpose)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("b1-rows-intact", GatePurpose.CAPTURE_BASELINE));
    request(beforeWave1.get(0), UPGRADE);
    add(UPGRADE, new GatePassed(UPGRADE, "b1-rows-intact", "rows-intact", "sql", List.of(), "42"));
    assertThat(next(UPGRADE))
        .singleElement()
        .isInstanceOfSatisfying(
            Decision.RunStep.class, run -> assertThat(run.step().id()).isEqualTo("s-1-1"));

    succeed(UPGRADE, "s-1-1", 1, "orders");
    Decision.RequestGate verify = gateRequests(next(UPGRADE)).get(0);
    assertThat(verify.gateId()).isEqualTo("w1-rows-intact");
    assertThat(verify.purpose()).isEqualTo(GatePurpose.VERIFY);
    assertThat(verify.baselineOf()).as("compared with its own upgrade's baseline").isNull();
  }

  @Test
  void aCaptureThatFailsFailsTheUpgradeBeforeItChangesAnything() {
    add(UPGRADE, new PlanCreated(plan(UPGRADE, PlanMode.UPGRADE, null), "sam", null));
    add(UPGRADE, new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 2, 2));
    request(gateRequests(next(UPGRADE)).get(0), UPGRADE);
    add(
        UPGRADE,
        new GateFailed(
            UPGRADE, "b0-rows-intact", "rows-intact", "sql", "datasource unreachable", List.of()));

    Decision finish = next(UPGRADE).get(0);
    assertThat(finish).isInstanceOf(Decision.Finish.class);
    UpgradeFailed failed = (UpgradeFailed) ((Decision.Finish) finish).event();
    assertThat(failed.reason()).contains("rows-intact").contains("datasource unreachable");
    assertThat(failed.history()).as("nothing was changed").isEmpty();
  }

  @Test
  void aRollbacksGatesCompareWithTheBaselineOfTheUpgradeItUndoesAndCaptureNothing() {
    String rollback = "rb-" + UPGRADE;
    add(rollback, new PlanCreated(plan(rollback, PlanMode.ROLLBACK, UPGRADE), "planner", null));
    add(rollback, new UpgradeStarted(rollback, PLATFORM, PlanMode.ROLLBACK, UPGRADE, 2, 2));
    assertThat(next(rollback))
        .as("no capture: the baseline is the upgrade's, taken before it began")
        .singleElement()
        .isInstanceOf(Decision.RunStep.class);
    succeed(rollback, "s-0-1", 0, "pg");
    add(rollback, new GatePassed(rollback, "w0-health", "health", "http", List.of(), null));
    assertThat(next(rollback)).singleElement().isInstanceOf(Decision.RunStep.class);
    succeed(rollback, "s-1-1", 1, "orders");
    Decision.RequestGate verify = gateRequests(next(rollback)).get(0);
    assertThat(verify.gateId()).isEqualTo("w1-rows-intact");
    assertThat(verify.purpose()).isEqualTo(GatePurpose.VERIFY);
    assertThat(verify.baselineOf()).isEqualTo(UPGRADE);
  }
}
