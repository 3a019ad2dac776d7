package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Deployment rollouts as the {@link SimulatedKubelet} plays them: all pods of an old template go at
 * once (no surge, nothing while paused), the newest surplus pods go on a scale-down, and the status
 * carries the progress deadline.
 */
final class DeploymentController {

  private final KubernetesClient client;
  private final KubeletPods pods;
  private final KubeletSettings settings;

  DeploymentController(KubernetesClient client, KubeletPods pods, KubeletSettings settings) {
    this.client = client;
    this.pods = pods;
    this.settings = settings;
  }

  /** Brings the Deployment's pods and status up to date; returns when it next needs a look. */
  Optional<Instant> reconcile(Deployment deployment, WorkloadState state, Instant now) {
    PodTemplateSpec template = deployment.getSpec().getTemplate();
    String hash = Reconciling.templateHash(template);
    boolean paused = Boolean.TRUE.equals(deployment.getSpec().getPaused());
    if (state.templateHash == null || (!paused && !hash.equals(state.templateHash))) {
      state.rollOut(hash, template, now);
    }
    int desired = WorkloadStatuses.replicas(deployment.getSpec().getReplicas());
    state.desire(desired, now);

    String runningHash = state.templateHash;
    pods.delete(state, pod -> !pod.templateHash.equals(runningHash));
    List<SimulatedPod> oldestFirst =
        state.pods.values().stream()
            .sorted(Comparator.comparing((SimulatedPod pod) -> pod.createdAt))
            .toList();
    Set<SimulatedPod> surplus =
        Set.copyOf(oldestFirst.subList(Math.min(desired, oldestFirst.size()), oldestFirst.size()));
    pods.delete(state, surplus::contains);
    String prefix = deployment.getMetadata().getName() + "-" + runningHash + "-";
    while (state.pods.size() < desired) {
      pods.create(
          state,
          prefix + Reconciling.randomSuffix(),
          pods.nextNode(),
          Map.of("pod-template-hash", runningHash),
          SimulatedPod.Outcome.KEEP_RUNNING,
          now);
    }
    Optional<Instant> podChange = pods.syncStatuses(state, now);

    WorkloadStatuses.PodCounts counts = KubeletPods.counts(state, hash, now);
    Instant deadline =
        WorkloadStatuses.progressDeadline(deployment, state.progressSince, settings.timeScale);
    DeploymentStatus status = WorkloadStatuses.deployment(deployment, hash, counts, deadline, now);
    if (!Reconciling.sameJson(status, deployment.getStatus())) {
      deployment.setStatus(status);
      Reconciling.updateStatus(
          client.apps().deployments().inNamespace(state.key.namespace()), deployment);
    }
    boolean waitingForDeadline =
        !paused && !WorkloadStatuses.complete(desired, counts) && now.isBefore(deadline);
    return ReconcileLoop.earliest(
        podChange, waitingForDeadline ? Optional.of(deadline) : Optional.empty());
  }
}
