package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.testkit.cluster.ClusterOperation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hops the soak and the orchestration latency benchmark report: from a step's result to its
 * component's next step, from a wave's last step to its gate, from a rollback's start (and the gate
 * that failed) to its first cluster write; and the waits reported apart.
 */
class HopLatenciesTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  @Test
  void aComponentsNextStepFollowsItsLastResult() {
    List<EventEnvelope> events =
        List.of(
            event(new StepStarted("up-1", "s-1-1", 1, "poros", StepAction.DRAIN, 1, List.of()), T0),
            event(succeeded("s-1-1", "poros", StepAction.DRAIN), T0.plusMillis(1_000)),
            // another component's step in the same wave is no successor of poros's drain
            event(
                new StepStarted("up-1", "s-1-4", 1, "heimdall", StepAction.SET_IMAGE, 1, List.of()),
                T0.plusMillis(1_050)),
            event(
                new StepStarted("up-1", "s-1-2", 1, "poros", StepAction.SET_IMAGE, 1, List.of()),
                T0.plusMillis(1_300)),
            // a second attempt is no new step
            event(
                new StepStarted("up-1", "s-1-2", 1, "poros", StepAction.SET_IMAGE, 2, List.of()),
                T0.plusMillis(9_000)));
    assertThat(HopLatencies.of(events))
        .filteredOn(h -> h.hop().equals(HopLatencies.STEP_TO_NEXT))
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.count()).isEqualTo(1);
              assertThat(h.p50Millis()).isEqualTo(300);
            });
  }

  @Test
  void onlyAComponentsFirstStepInAWaveFollowsTheGate() {
    EventEnvelope passed =
        event(new GatePassed("up-1", "w0-rollout", "rollout", "kubernetes", List.of(), null), T0);
    EventEnvelope drain =
        caused(
            new StepStarted("up-1", "s-1-1", 1, "poros", StepAction.DRAIN, 1, List.of()),
            T0.plusMillis(40),
            passed);
    // the executor names the same gate.passed as the cause of poros's next step, started once the
    // drain succeeded: it is no hop from the gate
    EventEnvelope setImage =
        caused(
            new StepStarted("up-1", "s-1-2", 1, "poros", StepAction.SET_IMAGE, 1, List.of()),
            T0.plusMillis(900),
            passed);
    List<EventEnvelope> events =
        List.of(
            passed,
            drain,
            event(succeeded("s-1-1", "poros", StepAction.DRAIN), T0.plusMillis(880)),
            setImage);
    assertThat(HopLatencies.of(events))
        .filteredOn(h -> h.hop().equals(HopLatencies.GATE_PASSED_TO_NEXT))
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.count()).isEqualTo(1);
              assertThat(h.maxMillis()).isEqualTo(40);
            });
  }

  @Test
  void aWavesGateIsAskedForAfterItsLastStep() {
    List<EventEnvelope> events =
        List.of(
            event(succeeded("s-1-1", "poros", StepAction.SET_IMAGE, 1), T0.plusMillis(1_000)),
            event(succeeded("s-1-2", "heimdall", StepAction.SET_IMAGE, 1), T0.plusMillis(1_500)),
            event(gate("w1-poros-ready", 1, GatePurpose.VERIFY), T0.plusMillis(1_620)),
            // the wave's second gate is no second hop
            event(gate("w1-heimdall-rollout", 1, GatePurpose.VERIFY), T0.plusMillis(1_640)),
            // a baseline is captured before the wave's change, not after it
            event(succeeded("s-2-1", "metis", StepAction.MIGRATE, 2), T0.plusMillis(2_000)),
            event(gate("w2-rows", 2, GatePurpose.CAPTURE_BASELINE), T0.plusMillis(2_100)));
    assertThat(HopLatencies.of(events))
        .filteredOn(h -> h.hop().equals(HopLatencies.WAVE_DONE_TO_GATE))
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.count()).isEqualTo(1);
              assertThat(h.p50Millis()).isEqualTo(120);
            });
  }

  @Test
  void aRollbacksFirstClusterWriteIsTimedFromItsStartAndFromTheFailedGate() {
    List<EventEnvelope> events =
        List.of(
            event(
                new GateFailed(
                    "up-1", "w3-workbench-health", "workbench-health", "http", "503", List.of()),
                "p-01",
                "up-1",
                T0),
            event(rollbackPlan("rb-1", "up-1"), "p-01", "rb-1", T0.plusMillis(200)),
            event(
                new UpgradeStarted("rb-1", "p-01", PlanMode.ROLLBACK, "up-1", 3, 7),
                "p-01",
                "rb-1",
                T0.plusMillis(300)),
            event(
                new StepStarted(
                    "rb-1", "s-0-1", 0, "workbench", StepAction.SET_IMAGE, 1, List.of()),
                "p-01",
                "rb-1",
                T0.plusMillis(420)));
    List<ClusterOperation> operations =
        List.of(
            // before the rollback started: the upgrade's own last write
            write("apps-01", "executor", T0.minusMillis(50)),
            // the executor's Lease, the simulator's status, another platform's namespace: no
            operation("apps-01", "executor", T0.plusMillis(310), "coordination.k8s.io", "leases"),
            write("apps-01", "simulated-kubelet", T0.plusMillis(320)),
            write("apps-02", "executor", T0.plusMillis(330)),
            write("apps-01", "executor", T0.plusMillis(450)),
            write("core-01", "executor", T0.plusMillis(500)));
    List<HopLatencies.Hop> hops =
        HopLatencies.rollbackWrites(
            events,
            operations,
            Map.of("p-01", List.of("apps-01", "core-01"), "p-02", List.of("apps-02")));
    assertThat(hops)
        .extracting(HopLatencies.Hop::hop, HopLatencies.Hop::p50Millis)
        .containsExactly(
            tuple(HopLatencies.ROLLBACK_START_TO_WRITE, 150L),
            tuple(HopLatencies.ROLLBACK_START_TO_STEP, 120L),
            tuple(HopLatencies.ROLLBACK_STEP_TO_WRITE, 30L),
            tuple(HopLatencies.GATE_FAILED_TO_WRITE, 450L));
  }

  @Test
  void stepRunsAndGateIntervalsAreWaitsApart() {
    List<EventEnvelope> events =
        List.of(
            event(
                new StepStarted(
                    "up-1", "s-3-1", 3, "workbench", StepAction.SET_IMAGE, 1, List.of()),
                T0),
            event(succeeded("s-3-1", "workbench", StepAction.SET_IMAGE, 3), T0.plusMillis(2_400)),
            event(measured("w3-workbench-health"), T0.plusMillis(2_500)),
            event(measured("w3-workbench-health"), T0.plusMillis(3_510)));
    assertThat(HopLatencies.waits(events))
        .extracting(HopLatencies.Hop::hop, HopLatencies.Hop::p50Millis)
        .containsExactly(
            tuple(HopLatencies.STEP_RUN + "set-image", 2_400L),
            tuple(HopLatencies.GATE_INTERVAL, 1_010L));
  }

  private static GateRequested gate(String gateId, int wave, GatePurpose purpose) {
    return new GateRequested(
        "up-1", "p", gateId, wave, new PlannedGate(gateId, "kubernetes", null, null), purpose, T0);
  }

  private static GateMeasured measured(String gateId) {
    return new GateMeasured("up-1", gateId, "workbench-health", "http", null);
  }

  private static PlanCreated rollbackPlan(String id, String of) {
    return new PlanCreated(
        new Plan(
            id,
            "p-01",
            PlanMode.ROLLBACK,
            null,
            null,
            List.of(),
            List.of(),
            new Risk(0, List.of()),
            Duration.ZERO,
            null,
            of,
            null,
            null),
        "planner",
        null);
  }

  private static ClusterOperation write(String namespace, String actor, Instant at) {
    return operation(namespace, actor, at, "apps", "deployments");
  }

  private static ClusterOperation operation(
      String namespace, String actor, Instant at, String group, String resource) {
    return new ClusterOperation(
        1, at, "PATCH", "/", group, "v1", resource, null, namespace, "workbench", null, actor, 200);
  }

  private static StepSucceeded succeeded(
      String step, String component, StepAction action, int wave) {
    return new StepSucceeded("up-1", step, wave, component, action, "1", "2", List.of(), null);
  }

  private static StepSucceeded succeeded(String step, String component, StepAction action) {
    return new StepSucceeded("up-1", step, 1, component, action, "1", "2", List.of(), null);
  }

  private static EventEnvelope caused(EventPayload payload, Instant at, EventEnvelope cause) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "executor",
        "p",
        "up-1",
        payload,
        cause,
        Clock.fixed(at, ZoneOffset.UTC));
  }

  private static EventEnvelope event(EventPayload payload, Instant at) {
    return event(payload, "p", "up-1", at);
  }

  private static EventEnvelope event(
      EventPayload payload, String platform, String subject, Instant at) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "executor",
        platform,
        subject,
        payload,
        null,
        Clock.fixed(at, ZoneOffset.UTC));
  }
}
