package dev.lockstep.validator.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.validator.provider.Outcome;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes checks on objects as the API server returns them: restarts before the change do
 * not count, a progress deadline fails a rollout, custom resource status fields are compared.
 */
class WorkloadChecksTest {
  private static final Instant CHANGE = Instant.parse("2026-11-22T01:00:00Z");

  private static Pod restartedAt(String finishedAt, int restarts) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("web-1")
        .endMetadata()
        .withNewStatus()
        .addNewContainerStatus()
        .withName("web")
        .withRestartCount(restarts)
        .withNewState()
        .withNewRunning()
        .endRunning()
        .endState()
        .withNewLastState()
        .withNewTerminated()
        .withExitCode(1)
        .withFinishedAt(finishedAt)
        .endTerminated()
        .endLastState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void aRestartBeforeTheChangeDoesNotCountButOneAfterItDoes() {
    Outcome before =
        WorkloadChecks.noRestarts("web", List.of(restartedAt("2026-11-22T00:59:00Z", 3)), CHANGE);
    Outcome after =
        WorkloadChecks.noRestarts("web", List.of(restartedAt("2026-11-22T01:00:05Z", 4)), CHANGE);

    assertThat(before.phase()).isEqualTo(MeasurementPhase.SUCCESSFUL);
    assertThat(after.phase()).isEqualTo(MeasurementPhase.FAILED);
    assertThat(after.message()).contains("web-1/web restarted (4 restarts)");
  }

  @Test
  void aDeploymentPastItsProgressDeadlineFailsItsRollout() {
    Deployment stuck =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("metis")
            .withGeneration(2L)
            .endMetadata()
            .withNewSpec()
            .withReplicas(2)
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(2L)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .addNewCondition()
            .withType("Progressing")
            .withStatus("False")
            .withReason("ProgressDeadlineExceeded")
            .withMessage("ReplicaSet has timed out progressing.")
            .endCondition()
            .endStatus()
            .build();

    Outcome outcome = WorkloadChecks.rollout(stuck);

    assertThat(outcome.phase()).isEqualTo(MeasurementPhase.FAILED);
    assertThat(outcome.message()).contains("exceeded its progress deadline");
  }

  @Test
  void aRolloutNotYetObservedIsNotComplete() {
    Deployment pending =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("metis")
            .withGeneration(3L)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(2L)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .endStatus()
            .build();

    assertThat(WorkloadChecks.rollout(pending).message()).contains("has not observed generation 3");
  }

  @Test
  void statusFieldsAreComparedAsText() {
    Map<String, Object> rok =
        Map.of("status", Map.of("version", "2.0.0", "health", "OK", "replicas", 3));

    Outcome ok =
        WorkloadChecks.statusFields(
            "RokCluster data/rok", rok, Map.of("version", "2.0.0", "status.replicas", 3));
    Outcome bad =
        WorkloadChecks.statusFields("RokCluster data/rok", rok, Map.of("health", "DEGRADED"));

    assertThat(ok.phase()).isEqualTo(MeasurementPhase.SUCCESSFUL);
    assertThat(bad.phase()).isEqualTo(MeasurementPhase.FAILED);
    assertThat(bad.message()).contains("status.health is OK, expected DEGRADED");
  }

  @Test
  void conditionsAreFoundByTypeAndAStaleStatusFails() {
    Map<String, Object> rok =
        Map.of(
            "status",
            Map.of(
                "version",
                "2.0.0",
                "observedGeneration",
                2,
                "conditions",
                List.of(
                    Map.of("type", "Progressing", "status", "False"),
                    Map.of("type", "Ready", "status", "True", "reason", "Upgraded"))));

    Outcome ready =
        WorkloadChecks.statusFields(
            "RokCluster data/rok",
            2L,
            rok,
            Map.of("conditions.Ready", "True", "status.conditions.Ready.reason", "Upgraded"));
    Outcome missing =
        WorkloadChecks.statusFields(
            "RokCluster data/rok", 2L, rok, Map.of("conditions.Degraded", "False"));
    Outcome stale =
        WorkloadChecks.statusFields("RokCluster data/rok", 3L, rok, Map.of("version", "2.0.0"));

    assertThat(ready.phase()).isEqualTo(MeasurementPhase.SUCCESSFUL);
    assertThat(missing.phase()).isEqualTo(MeasurementPhase.FAILED);
    assertThat(missing.message()).contains("status.conditions.Degraded is null, expected False");
    assertThat(stale.phase()).isEqualTo(MeasurementPhase.FAILED);
    assertThat(stale.message()).contains("does not describe generation 3 yet");
  }
}
