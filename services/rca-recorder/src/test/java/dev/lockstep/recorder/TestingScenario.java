package dev.lockstep.recorder;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ChannelRef;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Gate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The events of one upgrade as the five services would publish them: requested by a person, planned
 * in two waves, the second wave's error-rate gate fails, the executor reports the failure, the
 * planner plans the rollback, the executor rolls back, and the notifier tells two teams on their
 * channels and in their feeds; the third wave (notebooks) is never reached. Times are a second
 * apart from a given start, so durations are known exactly.
 */
final class TestingScenario {
  static final String REQUESTED_BY = "alice@example.com";
  static final String REASON = "quarterly platform release 2.4.0";
  static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private final EventCatalog catalog = EventCatalog.standard();
  final String platform;
  final String upgradeId;
  final String rollbackId;
  final Instant start;
  private final List<EventEnvelope> events = new ArrayList<>();
  private EventEnvelope previous;

  private TestingScenario(String platform, Instant start) {
    this.platform = platform;
    this.upgradeId = "up-" + UUID.randomUUID();
    this.rollbackId = "rb-" + UUID.randomUUID();
    this.start = start;
  }

  /** The second at which the n-th event of the scenario happens. */
  Instant at(int second) {
    return start.plusSeconds(second);
  }

  /** The whole failed-and-rolled-back upgrade, in the order the services publish it. */
  static TestingScenario failedGateRolledBack(String platform, Instant start) {
    TestingScenario s = new TestingScenario(platform, start);
    String up = s.upgradeId;
    s.add(
        0,
        "platform-service",
        up,
        new UpgradeRequested(
            up, platform, null, new ReleaseRef("dataos", "2.4.0"), REQUESTED_BY, REASON, null));
    s.add(1, "planner", up, new PlanCreated(s.plan(), REQUESTED_BY, REASON));
    s.add(2, "executor", up, new UpgradeStarted(up, platform, PlanMode.UPGRADE, null, 2, 2));
    s.add(3, "executor", up, new StepStarted(up, "s-0-1", 0, "postgres", StepAction.SET_IMAGE, 1));
    s.add(
        4,
        "executor",
        up,
        new StepSucceeded(
            up, "s-0-1", 0, "postgres", StepAction.SET_IMAGE, "15.3.0", "15.4.0", List.of(), null));
    s.add(5, "executor", up, gateRequested(up, platform, "w0-health", 0, "pg-health", s.at(3)));
    s.add(
        6,
        "validator",
        up,
        new GatePassed(
            up,
            "w0-health",
            "pg-health",
            "prometheus",
            List.of(measurement(0, s.at(6), true)),
            null));
    s.add(7, "executor", up, new StepStarted(up, "s-1-1", 1, "metis", StepAction.SET_IMAGE, 1));
    s.add(
        9,
        "executor",
        up,
        new StepSucceeded(
            up, "s-1-1", 1, "metis", StepAction.SET_IMAGE, "2.3.1", "2.4.0", List.of(), null));
    s.add(
        10, "executor", up, gateRequested(up, platform, "w1-error-rate", 1, "error-rate", s.at(7)));
    Measurement first = measurement(0, s.at(11), true);
    Measurement second =
        new Measurement(1, MeasurementPhase.FAILED, "0.042", "result < 0.01 is false", s.at(13));
    s.add(
        11,
        "validator",
        up,
        new GateMeasured(up, "w1-error-rate", "error-rate", "prometheus", first));
    s.add(
        13,
        "validator",
        up,
        new GateMeasured(up, "w1-error-rate", "error-rate", "prometheus", second));
    s.add(
        14,
        "validator",
        up,
        new GateFailed(
            up,
            "w1-error-rate",
            "error-rate",
            "prometheus",
            "failureLimit 1 exceeded: error rate 0.042",
            List.of(first, second)));
    EventEnvelope gateFailed = s.previous;
    s.add(
        15,
        "executor",
        up,
        new UpgradeFailed(
            up,
            platform,
            "gate error-rate failed",
            null,
            "w1-error-rate",
            false,
            List.of(
                new StepOutcome(
                    "s-0-1", "postgres", StepAction.SET_IMAGE, "15.3.0", "15.4.0", List.of(), null),
                new StepOutcome(
                    "s-1-1", "metis", StepAction.SET_IMAGE, "2.3.1", "2.4.0", List.of(), null))));
    s.add(
        16,
        "notifier",
        up,
        new NotificationDelivered(
            gateFailed.id(), up, "data-platform", new ChannelRef("slack", "#data-platform"), 1));
    s.add(
        16,
        "notifier",
        up,
        new NotificationFailed(
            gateFailed.id(), up, "sre", new ChannelRef("webhook", "pager"), 3, "HTTP 503"));
    // Every entry of a team's feed is told as a delivery on the channel type feed.
    s.add(
        16,
        "notifier",
        up,
        new NotificationDelivered(
            gateFailed.id(), up, "data-platform", new ChannelRef("feed", "data-platform"), 1));
    s.add(
        16,
        "notifier",
        up,
        new NotificationDelivered(gateFailed.id(), up, "sre", new ChannelRef("feed", "sre"), 1));
    String rb = s.rollbackId;
    s.add(
        17,
        "planner",
        rb,
        new PlanCreated(s.rollbackPlan(), "lockstep-planner", "automatic rollback of " + up));
    s.add(18, "executor", rb, new UpgradeStarted(rb, platform, PlanMode.ROLLBACK, up, 2, 2));
    s.add(19, "executor", rb, new StepStarted(rb, "r-0-1", 0, "metis", StepAction.SET_IMAGE, 1));
    s.add(
        21,
        "executor",
        rb,
        new StepSucceeded(
            rb, "r-0-1", 0, "metis", StepAction.SET_IMAGE, "2.4.0", "2.3.1", List.of(), null));
    s.add(22, "executor", rb, new StepStarted(rb, "r-1-1", 1, "postgres", StepAction.SET_IMAGE, 1));
    s.add(
        23,
        "executor",
        rb,
        new StepSucceeded(
            rb, "r-1-1", 1, "postgres", StepAction.SET_IMAGE, "15.4.0", "15.3.0", List.of(), null));
    s.add(
        25,
        "executor",
        rb,
        new RollbackCompleted(
            rb,
            up,
            platform,
            List.of(
                new VersionChange("metis", "core-kernel", "2.4.0", "2.3.1"),
                new VersionChange("postgres", "cloud-kernel", "15.4.0", "15.3.0"))));
    return s;
  }

  /** The events, in the order published. */
  List<EventEnvelope> events() {
    return List.copyOf(events);
  }

  private void add(int second, String service, String subject, EventPayload payload) {
    Clock clock = Clock.fixed(at(second), ZoneOffset.UTC);
    EventEnvelope event =
        EventEnvelope.create(catalog, service, platform, subject, payload, previous, clock);
    if (previous == null) {
      event = event.withTraceparent(TRACEPARENT);
    }
    events.add(event);
    previous = event;
  }

  private Plan plan() {
    return new Plan(
        upgradeId,
        platform,
        PlanMode.UPGRADE,
        "2.3.0",
        "2.4.0",
        List.of(
            new VersionChange("postgres", "cloud-kernel", "15.3.0", "15.4.0"),
            new VersionChange("metis", "core-kernel", "2.3.1", "2.4.0"),
            new VersionChange("notebooks", "user-space", "1.8.2", "2.0.0")),
        List.of(
            new Wave(
                0,
                "cloud-kernel",
                List.of(step("s-0-1", "postgres", "15.3.0", "15.4.0")),
                List.of(gate("pg-health"))),
            new Wave(
                1,
                "core-kernel",
                List.of(step("s-1-1", "metis", "2.3.1", "2.4.0")),
                List.of(gate("error-rate"))),
            new Wave(
                2, "user-space", List.of(step("s-2-1", "notebooks", "1.8.2", "2.0.0")), List.of())),
        new Risk(42, List.of("stateful change: postgres")),
        Duration.ofMinutes(2),
        null,
        null,
        "Faster metadata sync");
  }

  private Plan rollbackPlan() {
    return new Plan(
        rollbackId,
        platform,
        PlanMode.ROLLBACK,
        "2.4.0",
        "2.3.0",
        List.of(
            new VersionChange("metis", "core-kernel", "2.4.0", "2.3.1"),
            new VersionChange("postgres", "cloud-kernel", "15.4.0", "15.3.0")),
        List.of(
            new Wave(
                0, "core-kernel", List.of(step("r-0-1", "metis", "2.4.0", "2.3.1")), List.of()),
            new Wave(
                1,
                "cloud-kernel",
                List.of(step("r-1-1", "postgres", "15.4.0", "15.3.0")),
                List.of())),
        new Risk(10, List.of()),
        Duration.ofMinutes(1),
        null,
        upgradeId,
        null);
  }

  /** A plan with a window that opens an hour after the plan is made. */
  static Window windowLater(Instant planned) {
    return new Window(planned.plusSeconds(3600), planned.plusSeconds(7200));
  }

  private static PlanStep step(String id, String component, String from, String to) {
    return new PlanStep(
        id,
        component,
        StepAction.SET_IMAGE,
        from,
        to,
        null,
        "registry.example.com/" + component + ":" + to,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  static PlannedGate gate(String name) {
    return new PlannedGate(
        name,
        "prometheus",
        null,
        new Gate(
            name,
            null,
            null,
            new Gate.PrometheusCheck(
                null, "sum(rate(http_errors_total[1m]))", "result < 0.01", null),
            null,
            null,
            "1s",
            2,
            1,
            null,
            null,
            null));
  }

  static GateRequested gateRequested(
      String upgradeId,
      String platform,
      String gateId,
      int wave,
      String name,
      Instant changeStartedAt) {
    return new GateRequested(
        upgradeId, platform, gateId, wave, gate(name), GatePurpose.VERIFY, changeStartedAt);
  }

  static Measurement measurement(int index, Instant at, boolean ok) {
    return new Measurement(
        index, ok ? MeasurementPhase.SUCCESSFUL : MeasurementPhase.FAILED, "0.001", null, at);
  }
}
