package dev.lockstep.planner.planning;

import static dev.lockstep.planner.TestingReleases.request;
import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.manifest.ReleaseParser;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A component's {@code retries} reach every step of that component in the plan, so that the
 * executor runs a failed step again that many times before the upgrade fails.
 */
class StepRetriesPlanningTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T22:00:00Z"), ZoneOffset.UTC);

  private static final String RELEASE =
      """
      apiVersion: lockstep.dev/v1
      kind: Release
      metadata: { name: dataos, version: 2.0.0 }
      spec:
        layers: [cloud-kernel, core-kernel]
        components:
          - name: postgres
            layer: cloud-kernel
            version: 15.4.0
            retries: 2
            workload: { kind: StatefulSet, namespace: data, name: postgres, container: postgres }
            image: registry.example.com/postgres:15.4.0
            backup: { volumeSnapshotClass: csi-snapclass }
            drain: [ { kind: Deployment, namespace: data, name: pg-admin } ]
            migration: { image: registry.example.com/pg-migrate:15.4.0 }
          - name: metis
            layer: core-kernel
            version: 2.0.0
            workload: { kind: Deployment, namespace: core, name: metis, container: metis }
            image: registry.example.com/metis:2.0.0
      """;

  @Test
  void everyStepOfAComponentCarriesItsRetriesAndAComponentWithoutNoneIsRetriedNever() {
    var release = ReleaseParser.parseYaml(RELEASE).release();
    Plan plan =
        UpgradePlanner.plan(
                request(
                    release,
                    List.of(
                        running("postgres", "cloud-kernel", "15.3.0", Map.of()),
                        running("metis", "core-kernel", "1.0.0", Map.of()))),
                CLOCK)
            .planOrThrow();

    List<PlanStep> steps = plan.waves().stream().flatMap(w -> w.steps().stream()).toList();
    assertThat(steps)
        .extracting(PlanStep::component, PlanStep::action, PlanStep::retries)
        .containsExactly(
            tuple("postgres", StepAction.BACKUP, 2),
            tuple("postgres", StepAction.DRAIN, 2),
            tuple("postgres", StepAction.MIGRATE, 2),
            tuple("postgres", StepAction.SET_IMAGE, 2),
            tuple("postgres", StepAction.RESTORE_REPLICAS, 2),
            tuple("metis", StepAction.SET_IMAGE, null));
    assertThat(steps.get(5).retriesOrZero()).isZero();
  }
}
