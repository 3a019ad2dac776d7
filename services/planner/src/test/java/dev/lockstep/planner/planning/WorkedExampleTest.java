package dev.lockstep.planner.planning;

import static dev.lockstep.planner.TestingReleases.drained;
import static dev.lockstep.planner.TestingReleases.httpGate;
import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static dev.lockstep.planner.TestingReleases.request;
import static dev.lockstep.planner.TestingReleases.running;
import static dev.lockstep.planner.TestingReleases.stateful;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.rollback.RollbackPlanner;
import dev.lockstep.planner.rollback.RollbackRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worked example of docs/planning.md, so that the page stays true. */
class WorkedExampleTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T01:00:00Z"), ZoneOffset.UTC);

  static Release release240() {
    return release(
        "2.4.0",
        List.of(httpGate("error-rate")),
        stateful("postgres", "cloud-kernel", "15.4.0"),
        image("poros", "core-kernel", "2.0.0", Map.of()),
        drained(
            "metis",
            "core-kernel",
            "2.4.0",
            Map.of("postgres", ">=15.0.0 <16.0.0", "zeta", "^2.0.0"),
            httpGate("metis-health")),
        image("zeta", "core-kernel", "2.0.0", Map.of()),
        image("app", "user-space", "1.5.0", Map.of("metis", "^2.4.0")));
  }

  static List<RunningComponent> platform(String appRange) {
    return List.of(
        running("postgres", "cloud-kernel", "15.3.0", Map.of()),
        running("poros", "core-kernel", "1.9.0", Map.of()),
        running("metis", "core-kernel", "2.3.1", Map.of("poros", "^1.8.0", "postgres", "^15.0.0")),
        running("zeta", "core-kernel", "1.0.0", Map.of()),
        running("app", "user-space", "1.4.0", Map.of("metis", appRange)));
  }

  private static List<String> describe(Wave w) {
    List<String> out = new ArrayList<>();
    for (PlanStep s : w.steps()) {
      out.add(s.action().wire() + " " + s.component());
    }
    return out;
  }

  @Test
  void theUpgradeOfTheExample() {
    Plan plan = UpgradePlanner.plan(request(release240(), platform("^2.0.0")), CLOCK).planOrThrow();

    assertThat(plan.waves())
        .extracting(Wave::layer)
        .containsExactly("cloud-kernel", "core-kernel", "core-kernel", "user-space");
    assertThat(describe(plan.waves().get(0)))
        .containsExactly("backup postgres", "set-image postgres");
    assertThat(describe(plan.waves().get(1))).containsExactly("set-image zeta");
    assertThat(describe(plan.waves().get(2)))
        .containsExactly(
            "set-image poros",
            "drain metis",
            "migrate metis",
            "set-image metis",
            "restore-replicas metis");
    assertThat(plan.waves().get(2).gates())
        .extracting(PlannedGate::name)
        .containsExactly("metis-health", "error-rate");
    assertThat(describe(plan.waves().get(3))).containsExactly("set-image app");
    assertThat(plan.risk().factors())
        .containsExactly(
            "major version jump: zeta 1.x -> 2.x, poros 1.x -> 2.x",
            "stateful change: postgres",
            "migration: metis",
            "layers touched: 3 (cloud-kernel, core-kernel, user-space)",
            "expected downtime: PT5M");
    assertThat(plan.risk().score()).isEqualTo(85);
    // postgres 2 min | zeta 1 min | metis 4.5 min beside poros 1 min | app 1 min, and 1 s per
    // wave for its gates (one measurement each)
    assertThat(plan.expectedDuration()).isEqualTo(java.time.Duration.parse("PT8M34S"));
  }

  @Test
  void theRejectionOfTheExample() {
    PlanningResult result = UpgradePlanner.plan(request(release240(), platform("~2.3.0")), CLOCK);

    assertThat(((PlanningResult.Rejected) result).errors())
        .containsExactly(
            new ErrorDetail(
                "incompatible-intermediate-state",
                "release.spec.components[2]",
                "changing metis to 2.4.0 breaks app 1.4.0, which requires metis '~2.3.0'; app is in a higher layer, so it cannot change first"));
  }

  @Test
  void theRollbackOfTheExample() {
    List<StepOutcome> history =
        List.of(
            new StepOutcome(
                "s-0-1",
                "postgres",
                StepAction.BACKUP,
                "15.3.0",
                "15.4.0",
                List.of(),
                "postgres-snap"),
            new StepOutcome(
                "s-0-2", "postgres", StepAction.SET_IMAGE, "15.3.0", "15.4.0", List.of(), null),
            new StepOutcome(
                "s-1-1", "zeta", StepAction.SET_IMAGE, "1.0.0", "2.0.0", List.of(), null),
            new StepOutcome(
                "s-2-1",
                "metis",
                StepAction.DRAIN,
                "2.3.1",
                "2.4.0",
                List.of(
                    new ObjectState(
                        "apps/v1",
                        "StatefulSet",
                        "core",
                        "metis-operator",
                        true,
                        "9",
                        null,
                        2,
                        null,
                        null,
                        null)),
                null),
            new StepOutcome(
                "s-2-2", "metis", StepAction.MIGRATE, "2.3.1", "2.4.0", List.of(), null),
            new StepOutcome(
                "s-2-3", "metis", StepAction.SET_IMAGE, "2.3.1", "2.4.0", List.of(), null));
    Map<String, Map<String, String>> requiresAt =
        Map.of(RollbackRequest.at("metis", "2.4.0"), Map.of("zeta", "^2.0.0"));
    Plan plan =
        RollbackPlanner.plan(
                new RollbackRequest(
                    "rb-u",
                    "u",
                    "p",
                    history,
                    List.of(),
                    TestingReleases.LAYERS,
                    Map.of(
                        "postgres", "cloud-kernel", "zeta", "core-kernel", "metis", "core-kernel"),
                    Map.of(),
                    requiresAt,
                    "2.4.0",
                    "2.3.0",
                    List.of()))
            .planOrThrow();

    assertThat(plan.waves())
        .extracting(Wave::layer)
        .containsExactly("core-kernel", "core-kernel", "cloud-kernel");
    assertThat(describe(plan.waves().get(0)))
        .containsExactly("set-image metis", "restore-replicas metis");
    assertThat(describe(plan.waves().get(1))).containsExactly("approve zeta", "set-image zeta");
    assertThat(describe(plan.waves().get(2)))
        .containsExactly("restore-snapshot postgres", "set-image postgres");
  }
}
