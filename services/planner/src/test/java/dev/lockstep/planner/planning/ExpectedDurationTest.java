package dev.lockstep.planner.planning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Gate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The expected duration of a plan: waves one after the other; in a wave the slowest component (its
 * steps in sequence) and then the slowest gate; approvals count for nothing.
 */
class ExpectedDurationTest {
  private static PlanStep step(String id, String component, StepAction action) {
    return new PlanStep(
        id, component, action, "1.0.0", "1.1.0", null, null, null, null, null, null, null, null,
        null, null);
  }

  private static Gate gate(String interval, Integer count, Integer successes, boolean approval) {
    return new Gate(
        "g",
        null,
        approval ? null : new Gate.HttpCheck("http://x/health", null, 200, null, null, null, null),
        null,
        null,
        approval ? new Gate.ApprovalCheck(null) : null,
        interval,
        count,
        null,
        successes,
        null,
        null);
  }

  private static Plan plan(Wave... waves) {
    return new Plan(
        "u",
        "p",
        PlanMode.UPGRADE,
        null,
        "1.1.0",
        List.of(),
        List.of(waves),
        new Risk(0, List.of()),
        Duration.ZERO,
        null,
        null,
        null);
  }

  @Test
  void componentsOfAWaveRunSideBySideAndItsGatesAfterThem() {
    Plan plan =
        plan(
            new Wave(
                0,
                "core",
                List.of(
                    step("s-0-1", "postgres", StepAction.BACKUP),
                    step("s-0-2", "postgres", StepAction.SET_IMAGE),
                    step("s-0-3", "metis", StepAction.SET_IMAGE)),
                List.of(
                    new PlannedGate("a", "http", null, gate("5s", 3, null, false)),
                    new PlannedGate("b", "http", null, gate("2s", 10, 4, false)))),
            new Wave(
                1,
                "apps",
                List.of(step("s-1-1", "app", StepAction.APPROVE)),
                List.of(new PlannedGate("c", "approval", null, gate(null, null, null, true)))));

    // wave 0: postgres 1 min + 1 min, metis 1 min side by side: 2 min; then gate a, three
    // measurements 5 s apart (11 s), beside gate b, which passes after four (7 s); wave 1: waiting
    // for a person counts nothing
    assertThat(ExpectedDuration.of(plan)).isEqualTo(Duration.ofSeconds(120 + 11));
  }

  @Test
  void aStepTakesWhatItsPlatformTaughtWhenGiven() {
    Plan plan =
        plan(
            new Wave(
                0,
                "core",
                List.of(step("s-0-1", "metis", StepAction.MIGRATE)),
                List.of(new PlannedGate("g", "http", null, gate(null, null, null, false)))));

    assertThat(ExpectedDuration.of(plan)).isEqualTo(Duration.ofMinutes(2).plusSeconds(1));
    assertThat(ExpectedDuration.of(plan, s -> Duration.ofSeconds(7)))
        .isEqualTo(Duration.ofSeconds(8));
  }
}
