package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * StatefulSet rollouts as the {@link SimulatedKubelet} plays them: pods named by ordinal, all pods
 * of an old template replaced at once, and the current revision moving to the update revision once
 * every pod runs it.
 */
final class StatefulSetController {

  private final KubernetesClient client;
  private final KubeletPods pods;

  StatefulSetController(KubernetesClient client, KubeletPods pods) {
    this.client = client;
    this.pods = pods;
  }

  /** Brings the StatefulSet's pods and status up to date; returns when it next needs a look. */
  Optional<Instant> reconcile(StatefulSet statefulSet, WorkloadState state, Instant now) {
    PodTemplateSpec template = statefulSet.getSpec().getTemplate();
    String hash = Reconciling.templateHash(template);
    if (!hash.equals(state.templateHash)) {
      state.rollOut(hash, template, now);
    }
    int desired = WorkloadStatuses.replicas(statefulSet.getSpec().getReplicas());
    state.desire(desired, now);
    String name = statefulSet.getMetadata().getName();
    String updateRevision = name + "-" + hash;

    pods.delete(state, pod -> !pod.templateHash.equals(hash) || ordinal(name, pod) >= desired);
    for (int ordinal = 0; ordinal < desired; ordinal++) {
      String podName = name + "-" + ordinal;
      if (!state.pods.containsKey(podName)) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("controller-revision-hash", updateRevision);
        labels.put("statefulset.kubernetes.io/pod-name", podName);
        labels.put("apps.kubernetes.io/pod-index", Integer.toString(ordinal));
        pods.create(
            state, podName, pods.nextNode(), labels, SimulatedPod.Outcome.KEEP_RUNNING, now);
      }
    }
    Optional<Instant> podChange = pods.syncStatuses(state, now);

    WorkloadStatuses.PodCounts counts = KubeletPods.counts(state, hash, now);
    if (state.completedRevision == null || WorkloadStatuses.complete(desired, counts)) {
      // The first revision is current from the start; later ones once every pod runs them.
      state.completedRevision = updateRevision;
    }
    String currentRevision = state.completedRevision;
    int current = currentRevision.equals(updateRevision) ? counts.updated() : 0;
    StatefulSetStatus status =
        WorkloadStatuses.statefulSet(statefulSet, counts, current, currentRevision, updateRevision);
    if (!Reconciling.sameJson(status, statefulSet.getStatus())) {
      statefulSet.setStatus(status);
      Reconciling.updateStatus(
          client.apps().statefulSets().inNamespace(state.key.namespace()), statefulSet);
    }
    return podChange;
  }

  private static int ordinal(String statefulSetName, SimulatedPod pod) {
    try {
      return Integer.parseInt(pod.name.substring(statefulSetName.length() + 1));
    } catch (NumberFormatException | IndexOutOfBoundsException notAnOrdinal) {
      return Integer.MAX_VALUE;
    }
  }
}
