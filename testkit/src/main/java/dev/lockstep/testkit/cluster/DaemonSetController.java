package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * DaemonSets as the {@link SimulatedKubelet} plays them: one pod of the current template on every
 * node, following the nodes as they come and go.
 */
final class DaemonSetController {

  private final KubernetesClient client;
  private final KubeletPods pods;
  private final SimulatedNodes nodes;

  DaemonSetController(KubernetesClient client, KubeletPods pods, SimulatedNodes nodes) {
    this.client = client;
    this.pods = pods;
    this.nodes = nodes;
  }

  /** Brings the DaemonSet's pods and status up to date; returns when it next needs a look. */
  Optional<Instant> reconcile(DaemonSet daemonSet, WorkloadState state, Instant now) {
    PodTemplateSpec template = daemonSet.getSpec().getTemplate();
    String hash = Reconciling.templateHash(template);
    if (!hash.equals(state.templateHash)) {
      state.rollOut(hash, template, now);
    }
    List<String> nodeNames = nodes.names();
    state.desire(nodeNames.size(), now);

    pods.delete(state, pod -> !pod.templateHash.equals(hash) || !nodeNames.contains(pod.nodeName));
    Set<String> covered =
        state.pods.values().stream().map(pod -> pod.nodeName).collect(Collectors.toSet());
    for (String node : nodeNames) {
      if (!covered.contains(node)) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("controller-revision-hash", hash);
        labels.put(
            "pod-template-generation", String.valueOf(daemonSet.getMetadata().getGeneration()));
        pods.create(
            state,
            daemonSet.getMetadata().getName() + "-" + Reconciling.randomSuffix(),
            node,
            labels,
            SimulatedPod.Outcome.KEEP_RUNNING,
            now);
      }
    }
    Optional<Instant> podChange = pods.syncStatuses(state, now);

    DaemonSetStatus status =
        WorkloadStatuses.daemonSet(
            daemonSet, nodeNames.size(), KubeletPods.counts(state, hash, now));
    if (!Reconciling.sameJson(status, daemonSet.getStatus())) {
      daemonSet.setStatus(status);
      Reconciling.updateStatus(
          client.apps().daemonSets().inNamespace(state.key.namespace()), daemonSet);
    }
    return podChange;
  }
}
