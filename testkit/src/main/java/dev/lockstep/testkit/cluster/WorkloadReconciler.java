package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One reconcile of one workload for the {@link SimulatedKubelet}: reads the object, keeps what the
 * kubelet knows about it ({@link WorkloadState}, new when the uid changes), and hands it to the
 * controller of its kind. Runs only on the kubelet's thread.
 */
final class WorkloadReconciler {

  private final KubernetesClient client;
  private final Clock clock;
  private final KubeletPods pods;
  private final DeploymentController deployments;
  private final StatefulSetController statefulSets;
  private final DaemonSetController daemonSets;
  private final JobController jobs;

  private final Map<WorkloadKey, WorkloadState> workloads = new HashMap<>();

  WorkloadReconciler(
      KubernetesClient client,
      Clock clock,
      KubeletPods pods,
      SimulatedNodes nodes,
      KubeletSettings settings,
      KubeletFaults faults) {
    this.client = client;
    this.clock = clock;
    this.pods = pods;
    this.deployments = new DeploymentController(client, pods, settings);
    this.statefulSets = new StatefulSetController(client, pods);
    this.daemonSets = new DaemonSetController(client, pods, nodes);
    this.jobs = new JobController(client, pods, faults);
  }

  /** The workloads of this kind the kubelet knows. */
  List<WorkloadKey> keys(WorkloadKind kind) {
    return workloads.keySet().stream().filter(key -> key.kind() == kind).toList();
  }

  /** Brings pods and status of one workload up to date; returns when it next needs a look. */
  Optional<Instant> reconcile(WorkloadKey key) {
    HasMetadata workload = fetch(key);
    WorkloadState state = workloads.get(key);
    if (workload == null) {
      if (state != null) {
        pods.delete(state, pod -> true);
        workloads.remove(key);
      }
      return Optional.empty();
    }
    Instant now = clock.instant();
    String uid = workload.getMetadata().getUid();
    if (state != null && !state.uid.equals(uid)) {
      pods.delete(state, pod -> true);
      state = null;
    }
    if (state == null) {
      state = new WorkloadState(key, uid, now);
      workloads.put(key, state);
    }
    pods.forgetDeletedElsewhere(state);
    return switch (key.kind()) {
      case DEPLOYMENT -> deployments.reconcile((Deployment) workload, state, now);
      case STATEFUL_SET -> statefulSets.reconcile((StatefulSet) workload, state, now);
      case DAEMON_SET -> daemonSets.reconcile((DaemonSet) workload, state, now);
      case JOB -> jobs.reconcile((Job) workload, state, now);
    };
  }

  private HasMetadata fetch(WorkloadKey key) {
    return switch (key.kind()) {
      case DEPLOYMENT ->
          client.apps().deployments().inNamespace(key.namespace()).withName(key.name()).get();
      case STATEFUL_SET ->
          client.apps().statefulSets().inNamespace(key.namespace()).withName(key.name()).get();
      case DAEMON_SET ->
          client.apps().daemonSets().inNamespace(key.namespace()).withName(key.name()).get();
      case JOB ->
          client.batch().v1().jobs().inNamespace(key.namespace()).withName(key.name()).get();
    };
  }
}
