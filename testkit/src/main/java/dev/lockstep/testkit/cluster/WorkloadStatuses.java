package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The workload statuses the Kubernetes controllers would write, computed from the simulated pods.
 * Pure functions. Counts that the API declares {@code omitempty} are left out when zero, as on a
 * real cluster, so readers must treat a missing count as 0.
 */
final class WorkloadStatuses {

  /** Kubernetes' default {@code spec.progressDeadlineSeconds}. */
  static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

  private static final String DEFAULT_MAX_UNAVAILABLE = "25%";

  private WorkloadStatuses() {}

  /**
   * Pod counts of one workload.
   *
   * @param total all pods
   * @param updated pods that run the current template
   * @param ready pods whose containers are all ready
   */
  record PodCounts(int total, int updated, int ready) {}

  /** {@code spec.replicas}, which defaults to 1. */
  static int replicas(Integer specReplicas) {
    return specReplicas == null ? 1 : Math.max(specReplicas, 0);
  }

  /** Whether a Deployment has all its desired pods updated and available. */
  static boolean complete(int desired, PodCounts pods) {
    return pods.updated() == desired && pods.total() == desired && pods.ready() == desired;
  }

  /**
   * When a rollout that started at {@code progressSince} exceeds the Deployment's progress
   * deadline; one second of {@code progressDeadlineSeconds} lasts {@code secondLength}.
   */
  static Instant progressDeadline(
      Deployment deployment, Instant progressSince, Duration secondLength) {
    Integer seconds = deployment.getSpec().getProgressDeadlineSeconds();
    long deadline = seconds == null ? DEFAULT_PROGRESS_DEADLINE_SECONDS : seconds;
    return progressSince.plus(secondLength.multipliedBy(deadline));
  }

  /**
   * The Deployment status for the given pods.
   *
   * @param templateHash hash of the current pod template, used in the ReplicaSet name of messages
   * @param deadline when the current rollout exceeds its progress deadline
   */
  static DeploymentStatus deployment(
      Deployment deployment, String templateHash, PodCounts pods, Instant deadline, Instant now) {
    int desired = replicas(deployment.getSpec().getReplicas());
    int ready = pods.ready();
    List<DeploymentCondition> existing =
        deployment.getStatus() == null ? List.of() : deployment.getStatus().getConditions();
    String replicaSet = "\"" + deployment.getMetadata().getName() + "-" + templateHash + "\"";

    DeploymentCondition available =
        ready >= desired - maxUnavailable(deployment, desired)
            ? deploymentCondition(
                existing,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now)
            : deploymentCondition(
                existing,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now);
    DeploymentCondition progressing;
    if (Boolean.TRUE.equals(deployment.getSpec().getPaused())) {
      progressing =
          deploymentCondition(
              existing, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now);
    } else if (complete(desired, pods)) {
      progressing =
          deploymentCondition(
              existing,
              "Progressing",
              "True",
              "NewReplicaSetAvailable",
              "ReplicaSet " + replicaSet + " has successfully progressed.",
              now);
    } else if (!now.isBefore(deadline)) {
      progressing =
          deploymentCondition(
              existing,
              "Progressing",
              "False",
              "ProgressDeadlineExceeded",
              "ReplicaSet " + replicaSet + " has timed out progressing.",
              now);
    } else {
      progressing =
          deploymentCondition(
              existing,
              "Progressing",
              "True",
              "ReplicaSetUpdated",
              "ReplicaSet " + replicaSet + " is progressing.",
              now);
    }
    return new DeploymentStatusBuilder()
        .withObservedGeneration(deployment.getMetadata().getGeneration())
        .withReplicas(omitZero(pods.total()))
        .withUpdatedReplicas(omitZero(pods.updated()))
        .withReadyReplicas(omitZero(ready))
        .withAvailableReplicas(omitZero(ready))
        .withUnavailableReplicas(omitZero(Math.max(desired - ready, 0)))
        .withConditions(available, progressing)
        .build();
  }

  /**
   * The StatefulSet status for the given pods.
   *
   * @param current pods at {@code currentRevision}
   */
  static StatefulSetStatus statefulSet(
      StatefulSet statefulSet,
      PodCounts pods,
      int current,
      String currentRevision,
      String updateRevision) {
    return new StatefulSetStatusBuilder()
        .withObservedGeneration(statefulSet.getMetadata().getGeneration())
        .withReplicas(pods.total())
        .withReadyReplicas(omitZero(pods.ready()))
        .withCurrentReplicas(omitZero(current))
        .withUpdatedReplicas(omitZero(pods.updated()))
        .withAvailableReplicas(pods.ready())
        .withCurrentRevision(currentRevision)
        .withUpdateRevision(updateRevision)
        .build();
  }

  /** The DaemonSet status for the given pods, one wanted per node. */
  static DaemonSetStatus daemonSet(DaemonSet daemonSet, int desired, PodCounts pods) {
    return new DaemonSetStatusBuilder()
        .withObservedGeneration(daemonSet.getMetadata().getGeneration())
        .withDesiredNumberScheduled(desired)
        .withCurrentNumberScheduled(pods.total())
        .withNumberMisscheduled(0)
        .withNumberReady(pods.ready())
        .withUpdatedNumberScheduled(omitZero(pods.updated()))
        .withNumberAvailable(omitZero(pods.ready()))
        .withNumberUnavailable(omitZero(Math.max(desired - pods.ready(), 0)))
        .build();
  }

  /**
   * The Job status.
   *
   * @param finishedAt when the Job's pod terminated, {@code null} while it runs
   * @param failed whether it terminated with an error
   * @param active pods running now
   * @param ready of those, pods that are ready
   */
  static JobStatus job(
      Instant startTime, Instant finishedAt, boolean failed, int active, int ready) {
    JobStatusBuilder status = new JobStatusBuilder().withStartTime(Timestamps.format(startTime));
    if (finishedAt == null) {
      return status.withActive(omitZero(active)).withReady(ready).build();
    }
    String finished = Timestamps.format(finishedAt);
    JobConditionBuilder condition =
        new JobConditionBuilder()
            .withStatus("True")
            .withLastProbeTime(finished)
            .withLastTransitionTime(finished);
    if (failed) {
      JobCondition failure =
          condition
              .withType("Failed")
              .withReason("BackoffLimitExceeded")
              .withMessage("Job has reached the specified backoff limit")
              .build();
      return status.withFailed(1).withReady(0).withConditions(failure).build();
    }
    JobCondition completion = condition.withType("Complete").build();
    return status
        .withSucceeded(1)
        .withReady(0)
        .withCompletionTime(finished)
        .withConditions(completion)
        .build();
  }

  /** {@code maxUnavailable} of a rolling update in pods; 0 for the Recreate strategy. */
  static int maxUnavailable(Deployment deployment, int desired) {
    DeploymentStrategy strategy = deployment.getSpec().getStrategy();
    if (strategy != null && "Recreate".equals(strategy.getType())) {
      return 0;
    }
    IntOrString value =
        strategy == null || strategy.getRollingUpdate() == null
            ? null
            : strategy.getRollingUpdate().getMaxUnavailable();
    if (value != null && value.getIntVal() != null) {
      return value.getIntVal();
    }
    String text =
        value == null || value.getStrVal() == null ? DEFAULT_MAX_UNAVAILABLE : value.getStrVal();
    try {
      if (text.endsWith("%")) {
        int percent = Integer.parseInt(text.substring(0, text.length() - 1).trim());
        return desired * percent / 100;
      }
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException invalid) {
      return 0;
    }
  }

  /**
   * A condition that keeps the timestamps of the current one when nothing about it changed, so an
   * unchanged status compares equal and is not written again.
   */
  private static DeploymentCondition deploymentCondition(
      List<DeploymentCondition> existing,
      String type,
      String status,
      String reason,
      String message,
      Instant now) {
    DeploymentCondition old =
        existing.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    String stamp = Timestamps.format(now);
    boolean sameStatus = old != null && status.equals(old.getStatus());
    boolean unchanged =
        sameStatus
            && Objects.equals(reason, old.getReason())
            && Objects.equals(message, old.getMessage());
    return new DeploymentConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(sameStatus ? old.getLastTransitionTime() : stamp)
        .withLastUpdateTime(unchanged ? old.getLastUpdateTime() : stamp)
        .build();
  }

  private static Integer omitZero(int value) {
    return value == 0 ? null : value;
  }
}
