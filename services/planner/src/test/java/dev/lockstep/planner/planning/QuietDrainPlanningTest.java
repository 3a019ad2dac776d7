package dev.lockstep.planner.planning;

import static dev.lockstep.planner.TestingReleases.request;
import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.rollback.RollbackPlanner;
import dev.lockstep.planner.rollback.RollbackRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A component's {@code quiet} reaches its drain step with each listed component's workload, so the
 * executor knows whose logs to read; a component that drains nothing but waits for quiet gets a
 * drain step that only waits, with nothing to restore after it.
 */
class QuietDrainPlanningTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T22:00:00Z"), ZoneOffset.UTC);

  private static final String RELEASE =
      """
      apiVersion: lockstep.dev/v1
      kind: Release
      metadata: { name: dataos, version: 2.0.0 }
      spec:
        layers: [core-kernel, user-space]
        components:
          - name: poros
            layer: core-kernel
            version: 1.10.0
            workload: { kind: Deployment, namespace: core, name: poros, container: poros }
            image: registry.example.com/poros:1.10.0
            drain: [ { kind: StatefulSet, namespace: core, name: poros-workers } ]
            quiet: { components: [rok], period: 10s, deadline: 2m }
          - name: metis
            layer: core-kernel
            version: 2.0.0
            workload: { kind: Deployment, namespace: core, name: metis, container: metis }
            image: registry.example.com/metis:2.0.0
            quiet: { components: [metis], period: 5s }
          - name: rok
            layer: user-space
            version: 1.4.0
            workload: { kind: StatefulSet, namespace: apps, name: rok }
            image: registry.example.com/rok:1.4.0
      """;

  @Test
  void theDrainStepCarriesTheQuietWaitWithTheListedComponentsWorkloads() {
    var parsed = ReleaseParser.parseYaml(RELEASE);
    assertThat(parsed.errors()).isEmpty();
    Plan plan =
        UpgradePlanner.plan(
                request(
                    parsed.release(),
                    List.of(
                        running("poros", "core-kernel", "1.9.0", Map.of()),
                        running("metis", "core-kernel", "1.0.0", Map.of()),
                        running("rok", "user-space", "1.4.0", Map.of()))),
                CLOCK)
            .planOrThrow();

    List<PlanStep> steps = plan.waves().stream().flatMap(w -> w.steps().stream()).toList();
    assertThat(steps)
        .extracting(PlanStep::component, PlanStep::action)
        .containsExactlyInAnyOrder(
            tuple("poros", StepAction.DRAIN),
            tuple("poros", StepAction.SET_IMAGE),
            tuple("poros", StepAction.RESTORE_REPLICAS),
            tuple("metis", StepAction.DRAIN),
            tuple("metis", StepAction.SET_IMAGE));
    PlanStep porosDrain = step(steps, "poros", StepAction.DRAIN);
    assertThat(porosDrain.quiet())
        .isEqualTo(
            new QuietWait(
                List.of(
                    new QuietWait.Source(
                        "rok", new WorkloadRef("StatefulSet", "apps", "rok", null))),
                "10s",
                "2m"));
    PlanStep metisDrain = step(steps, "metis", StepAction.DRAIN);
    assertThat(metisDrain.targets()).isEmpty();
    assertThat(metisDrain.quiet().deadline()).as("the default deadline").isEqualTo("5m");
    assertThat(step(steps, "metis", StepAction.SET_IMAGE).quiet()).isNull();
  }

  @Test
  void theRollbackOfADrainThatOnlyWaitedForQuietRestoresNoReplicas() {
    List<StepOutcome> history =
        List.of(
            new StepOutcome("s-0-1", "metis", StepAction.DRAIN, "1.1.0", "1.2.0", List.of(), null),
            new StepOutcome(
                "s-0-2", "metis", StepAction.SET_IMAGE, "1.1.0", "1.2.0", List.of(), null));

    Plan rollback =
        RollbackPlanner.plan(
                new RollbackRequest(
                    "rb-1",
                    "u-1",
                    "p-1",
                    history,
                    List.of(),
                    TestingReleases.LAYERS,
                    Map.of("metis", "core-kernel"),
                    Map.of(),
                    Map.of(),
                    "2.0.0",
                    "1.0.0",
                    List.of()))
            .planOrThrow();

    assertThat(rollback.waves().stream().flatMap(w -> w.steps().stream()))
        .extracting(PlanStep::action)
        .containsExactly(StepAction.SET_IMAGE);
  }

  private static PlanStep step(List<PlanStep> steps, String component, StepAction action) {
    return steps.stream()
        .filter(s -> s.component().equals(component) && s.action() == action)
        .findFirst()
        .orElseThrow();
  }
}
