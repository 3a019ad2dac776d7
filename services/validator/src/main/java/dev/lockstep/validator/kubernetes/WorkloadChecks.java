package dev.lockstep.validator.kubernetes;

import dev.lockstep.manifest.FieldPaths;
import dev.lockstep.validator.provider.Outcome;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Kubernetes gate checks as pure functions of the objects read from the cluster: whether a
 * rollout is complete, every pod ready, no container restarted or crash-looping since the change
 * began, a Job succeeded, a resource's status fields as expected.
 */
public final class WorkloadChecks {
  private WorkloadChecks() {}

  /** A Deployment's rollout: observed, every replica updated, ready and available. */
  public static Outcome rollout(Deployment d) {
    String name = "Deployment " + d.getMetadata().getName();
    var status = d.getStatus();
    if (status == null) {
      return Outcome.failed(null, name + " has no status yet");
    }
    if (status.getConditions() != null) {
      for (DeploymentCondition c : status.getConditions()) {
        if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
          return Outcome.failed(null, name + " exceeded its progress deadline: " + c.getMessage());
        }
      }
    }
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    return rolloutOf(
        name,
        d.getMetadata().getGeneration(),
        status.getObservedGeneration(),
        replicas,
        status.getUpdatedReplicas(),
        status.getReadyReplicas(),
        status.getAvailableReplicas());
  }

  /** A StatefulSet's rollout: observed, every replica updated and ready. */
  public static Outcome rollout(StatefulSet s) {
    String name = "StatefulSet " + s.getMetadata().getName();
    if (s.getStatus() == null) {
      return Outcome.failed(null, name + " has no status yet");
    }
    int replicas = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
    return rolloutOf(
        name,
        s.getMetadata().getGeneration(),
        s.getStatus().getObservedGeneration(),
        replicas,
        s.getStatus().getUpdatedReplicas(),
        s.getStatus().getReadyReplicas(),
        s.getStatus().getReadyReplicas());
  }

  /** A DaemonSet's rollout: observed, every scheduled pod updated and ready. */
  public static Outcome rollout(DaemonSet ds) {
    String name = "DaemonSet " + ds.getMetadata().getName();
    var status = ds.getStatus();
    if (status == null) {
      return Outcome.failed(null, name + " has no status yet");
    }
    int desired =
        status.getDesiredNumberScheduled() == null ? 0 : status.getDesiredNumberScheduled();
    return rolloutOf(
        name,
        ds.getMetadata().getGeneration(),
        status.getObservedGeneration(),
        desired,
        status.getUpdatedNumberScheduled(),
        status.getNumberReady(),
        status.getNumberAvailable());
  }

  private static Outcome rolloutOf(
      String name,
      @Nullable Long generation,
      @Nullable Long observed,
      int replicas,
      @Nullable Integer updated,
      @Nullable Integer ready,
      @Nullable Integer available) {
    int u = updated == null ? 0 : updated;
    int r = ready == null ? 0 : ready;
    int a = available == null ? 0 : available;
    String value = r + "/" + replicas;
    if (generation != null && (observed == null || observed < generation)) {
      return Outcome.failed(value, name + " has not observed generation " + generation + " yet");
    }
    boolean done = u >= replicas && r >= replicas && a >= replicas;
    return Outcome.of(
        done,
        value,
        name
            + (done ? " rolled out: " : " is rolling out: ")
            + u
            + " updated, "
            + r
            + " ready, "
            + a
            + " available of "
            + replicas);
  }

  /** Every pod ready, and at least one pod. */
  public static Outcome podsReady(String target, List<Pod> pods) {
    if (pods.isEmpty()) {
      return Outcome.failed("0/0", target + " has no pods");
    }
    List<String> notReady = new ArrayList<>();
    for (Pod pod : pods) {
      if (!ready(pod)) {
        notReady.add(pod.getMetadata().getName());
      }
    }
    String value = (pods.size() - notReady.size()) + "/" + pods.size();
    return Outcome.of(
        notReady.isEmpty(),
        value,
        notReady.isEmpty()
            ? "all " + pods.size() + " pods of " + target + " are ready"
            : "pods of " + target + " not ready: " + String.join(", ", notReady));
  }

  private static boolean ready(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /**
   * No container in a crash loop, and none restarted since the change began ({@code since}); with
   * no start time, any restart counts.
   */
  public static Outcome noRestarts(String target, List<Pod> pods, @Nullable Instant since) {
    List<String> problems = new ArrayList<>();
    int restarts = 0;
    for (Pod pod : pods) {
      if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
        String where = pod.getMetadata().getName() + "/" + cs.getName();
        int count = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
        if (cs.getState() != null
            && cs.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason())) {
          problems.add(where + " is in CrashLoopBackOff (" + count + " restarts)");
          restarts += count;
          continue;
        }
        if (count == 0) {
          continue;
        }
        String finished =
            cs.getLastState() == null || cs.getLastState().getTerminated() == null
                ? null
                : cs.getLastState().getTerminated().getFinishedAt();
        boolean recent =
            since == null || finished == null || !Instant.parse(finished).isBefore(since);
        if (recent) {
          problems.add(where + " restarted (" + count + " restarts)");
          restarts += count;
        }
      }
    }
    return Outcome.of(
        problems.isEmpty(),
        Integer.toString(restarts),
        problems.isEmpty()
            ? "no container of " + target + " restarted" + (since == null ? "" : " since " + since)
            : String.join("; ", problems));
  }

  /** A Job that succeeded (all its completions); a failure condition fails it. */
  public static Outcome jobSucceeded(Job job) {
    String name = "Job " + job.getMetadata().getName();
    var status = job.getStatus();
    int completions =
        job.getSpec() == null || job.getSpec().getCompletions() == null
            ? 1
            : job.getSpec().getCompletions();
    if (status == null) {
      return Outcome.failed(null, name + " has not started");
    }
    if (status.getConditions() != null) {
      for (JobCondition c : status.getConditions()) {
        if ("Failed".equals(c.getType()) && "True".equals(c.getStatus())) {
          return Outcome.failed(
              "failed",
              name
                  + " failed: "
                  + Objects.toString(c.getReason(), "")
                  + " "
                  + Objects.toString(c.getMessage(), ""));
        }
      }
    }
    int succeeded = status.getSucceeded() == null ? 0 : status.getSucceeded();
    if (succeeded >= completions) {
      return Outcome.successful("succeeded", name + " succeeded");
    }
    int active = status.getActive() == null ? 0 : status.getActive();
    return Outcome.failed(
        "running",
        name
            + " has not finished: "
            + succeeded
            + " of "
            + completions
            + " succeeded, "
            + active
            + " active");
  }

  /**
   * A resource's status as expected: each key a dotted path from the object ({@code status.health})
   * or from its status ({@code health}), compared as text. A path steps into a {@code conditions}
   * list by the condition's type: {@code conditions.Ready} is the status of the {@code Ready}
   * condition ({@code True}), {@code conditions.Ready.reason} its reason. A status that reports an
   * {@code observedGeneration} older than the object's {@code generation} describes an earlier spec
   * and fails, whatever its fields say.
   *
   * @param generation the object's {@code metadata.generation}, or null
   */
  public static Outcome statusFields(
      String target,
      @Nullable Long generation,
      Map<String, Object> object,
      Map<String, Object> expected) {
    List<String> mismatches = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (Map.Entry<String, Object> e : expected.entrySet()) {
      String path = e.getKey().startsWith("status.") ? e.getKey() : "status." + e.getKey();
      Object actual = FieldPaths.get(object, path);
      seen.add(path + "=" + actual);
      if (!String.valueOf(e.getValue()).equals(String.valueOf(actual))) {
        mismatches.add(path + " is " + actual + ", expected " + e.getValue());
      }
    }
    Object observed = FieldPaths.get(object, "status.observedGeneration");
    if (generation != null && observed instanceof Number n && n.longValue() < generation) {
      mismatches.add(
          "status.observedGeneration is "
              + n
              + ": the status does not describe generation "
              + generation
              + " yet");
    }
    return Outcome.of(
        mismatches.isEmpty(),
        String.join(", ", seen),
        mismatches.isEmpty()
            ? target + " has " + String.join(", ", seen)
            : target + ": " + String.join("; ", mismatches));
  }

  /** Like {@link #statusFields(String, Long, Map, Map)}, for an object without a generation. */
  public static Outcome statusFields(
      String target, Map<String, Object> object, Map<String, Object> expected) {
    return statusFields(target, null, object, expected);
  }
}
