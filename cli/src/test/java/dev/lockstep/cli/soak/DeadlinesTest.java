package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.StepApproved;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An upgrade's deadline in the soak comes from its plans, its approvals and the faults it met. */
class DeadlinesTest {
  private static final Instant T0 = Instant.parse("2026-12-06T20:00:00Z");

  private static EventEnvelope at(long seconds, String subject, EventPayload payload) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "test",
        "p1",
        subject,
        payload,
        null,
        Clock.fixed(T0.plusSeconds(seconds), ZoneOffset.UTC));
  }

  private static PlanCreated plan(String id, PlanMode mode, Duration expected) {
    return new PlanCreated(
        new Plan(
            id,
            "p1",
            mode,
            null,
            "2.0.1",
            List.of(),
            List.of(),
            new Risk(0, List.of()),
            Duration.ZERO,
            null,
            mode == PlanMode.ROLLBACK ? "up-1" : null,
            null,
            expected),
        "soak",
        null);
  }

  private static UpgradeRun run(Instant endedAt) {
    return new UpgradeRun(
        "p1",
        UpgradeKind.APPROVAL,
        "up-1",
        "2.0.1",
        T0,
        T0.plusSeconds(900),
        endedAt == null ? null : "rolled-back",
        endedAt,
        "rolled-back",
        List.of("rb-1"),
        List.of());
  }

  private static Fault fault(long from, long to) {
    return new Fault("kill", "planner-2", T0.plusSeconds(from), T0.plusSeconds(to), "");
  }

  @Test
  void theDeadlineAddsThePlansApprovalsAndTheFaultsTheRunMet() {
    List<EventEnvelope> events =
        List.of(
            at(1, "up-1", plan("up-1", PlanMode.UPGRADE, Duration.ofSeconds(90))),
            at(100, "rb-1", plan("rb-1", PlanMode.ROLLBACK, Duration.ofSeconds(30))),
            at(110, "rb-1", new ApprovalRequested("rb-1", "p1", "s-0-1", "notebooks", "ok?")),
            at(113, "rb-1", new StepApproved("rb-1", "p1", "s-0-1", "soak", null)));
    List<Fault> faults =
        List.of(
            fault(-300, -200), // over (with its recovery) before the submission
            fault(-30, -20), // its recovery reaches into the run
            fault(20, 32),
            fault(400, 401)); // after the run ended

    Deadlines.Deadline deadline = Deadlines.of(run(T0.plusSeconds(200)), events, faults);

    // 1 min + 2 x (90 s + 30 s) + 3 s of approval + (10 s + 1 min) + (12 s + 1 min)
    assertThat(deadline.at()).isEqualTo(T0.plusSeconds(60 + 240 + 3 + 70 + 72));
    assertThat(deadline.basis())
        .isEqualTo("1m + 2 x 2m expected + 3s waiting for approvals + 2 faults 2m22s");
  }

  @Test
  void aPlanWithoutAnExpectedDurationCountsFiveMinutesAndAnUnansweredApprovalWaitsToTheEnd() {
    List<EventEnvelope> events =
        List.of(
            at(1, "up-1", plan("up-1", PlanMode.UPGRADE, null)),
            at(10, "up-1", new ApprovalRequested("up-1", "p1", "s-1-1", "workbench", "ok?")));

    Deadlines.Deadline deadline = Deadlines.of(run(T0.plusSeconds(50)), events, List.of());

    assertThat(deadline.at()).isEqualTo(T0.plusSeconds(60 + 600 + 40));
    assertThat(deadline.basis()).isEqualTo("1m + 2 x 5m expected + 40s waiting for approvals");
  }
}
