package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Jobs as the {@link SimulatedKubelet} runs them: one pod, whose success or failure is decided when
 * the Job is first seen (see {@link KubeletFaults#failsJob}), and a status that follows it.
 */
final class JobController {

  private final KubernetesClient client;
  private final KubeletPods pods;
  private final KubeletFaults faults;

  JobController(KubernetesClient client, KubeletPods pods, KubeletFaults faults) {
    this.client = client;
    this.pods = pods;
    this.faults = faults;
  }

  /** Brings the Job's pod and status up to date; returns when it next needs a look. */
  Optional<Instant> reconcile(Job job, WorkloadState state, Instant now) {
    if (state.templateHash == null) {
      // A Job's template cannot change: its outcome is decided once.
      PodTemplateSpec template = job.getSpec().getTemplate();
      state.rollOut(Reconciling.templateHash(template), template, now);
      state.jobFails = faults.failsJob(job, Reconciling.containers(template));
    }
    if (state.jobFinishedAt == null && state.pods.isEmpty()) {
      String uid = job.getMetadata().getUid();
      String name = job.getMetadata().getName();
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("batch.kubernetes.io/controller-uid", uid);
      labels.put("batch.kubernetes.io/job-name", name);
      labels.put("controller-uid", uid);
      labels.put("job-name", name);
      pods.create(
          state,
          name + "-" + Reconciling.randomSuffix(),
          pods.nextNode(),
          labels,
          state.jobFails ? SimulatedPod.Outcome.FAIL : SimulatedPod.Outcome.SUCCEED,
          now);
    }
    Optional<Instant> podChange = pods.syncStatuses(state, now);

    int active = 0;
    int ready = 0;
    for (SimulatedPod pod : state.pods.values()) {
      if (PodStatuses.terminated(pod, now)) {
        if (state.jobFinishedAt == null) {
          state.jobFinishedAt = pod.finishAt;
        }
      } else {
        active++;
        ready += PodStatuses.ready(pod, now) ? 1 : 0;
      }
    }
    if (state.jobFinishedAt != null) {
      active = 0;
      ready = 0;
    }
    JobStatus status =
        WorkloadStatuses.job(state.firstSeen, state.jobFinishedAt, state.jobFails, active, ready);
    if (!Reconciling.sameJson(status, job.getStatus())) {
      job.setStatus(status);
      Reconciling.updateStatus(client.batch().v1().jobs().inNamespace(state.key.namespace()), job);
    }
    return podChange;
  }
}
