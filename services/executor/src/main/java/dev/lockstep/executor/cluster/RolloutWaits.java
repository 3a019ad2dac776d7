package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;

import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The waits that follow a change, as non-blocking {@link Applied.Check}s a timer polls: a
 * workload's rollout, a drained workload's pods gone (then the quiet period), a Job finished, a
 * deleted object gone.
 */
final class RolloutWaits {
  private final KubernetesClient client;
  private final ClusterTimings timings;

  RolloutWaits(KubernetesClient client, ClusterTimings timings) {
    this.client = client;
    this.timings = timings;
  }

  /** Done when the workload's rollout is complete; failed past its progress deadline. */
  Applied.Check rollout(ObjectRef ref, Instant now) {
    Instant deadline = now.plus(timings.rolloutTimeout());
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    String what = "rollout of " + describe(ref);
    return at -> {
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        return Progress.failed(describe(ref) + " disappeared");
      }
      Map<String, Object> status = ObjectMaps.status(current);
      long generation =
          current.getMetadata().getGeneration() == null ? 0 : current.getMetadata().getGeneration();
      boolean observed = ObjectMaps.intAt(status, "observedGeneration") >= generation;
      if (observed && hasCondition(status, "Progressing", "ProgressDeadlineExceeded")) {
        return Progress.failed(what + " exceeded its progress deadline");
      }
      boolean complete;
      if ("DaemonSet".equals(current.getKind())) {
        int desired = ObjectMaps.intAt(status, "desiredNumberScheduled");
        complete =
            observed
                && ObjectMaps.intAt(status, "updatedNumberScheduled") == desired
                && ObjectMaps.intAt(status, "numberReady") == desired;
      } else {
        int desired = ObjectMaps.replicas(current);
        complete =
            observed
                && ObjectMaps.intAt(status, "replicas") == desired
                && ObjectMaps.intAt(status, "updatedReplicas") == desired
                && ObjectMaps.intAt(status, "readyReplicas") == desired;
      }
      if (complete) {
        return Progress.done();
      }
      if (at.isAfter(deadline)) {
        return Progress.failed(what + " did not complete within " + timings.rolloutTimeout());
      }
      return Progress.waiting(what);
    };
  }

  /**
   * Done when no pod of the workload is left, and then, when asked, the configured quiet period has
   * passed (a drain that waits for its components' logs to fall silent does not ask).
   */
  Applied.Check podsGone(ObjectRef ref, Instant now, boolean thenQuietPeriod) {
    Duration quietPeriod = thenQuietPeriod ? timings.drainQuietPeriod() : Duration.ZERO;
    Instant deadline = now.plus(timings.rolloutTimeout());
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    Instant[] goneAt = new Instant[1];
    return at -> {
      if (goneAt[0] == null) {
        GenericKubernetesResource current = resource.get();
        if (current == null) {
          return Progress.failed(describe(ref) + " disappeared");
        }
        String uid = current.getMetadata().getUid();
        List<Pod> pods = client.pods().inNamespace(ref.namespace()).list().getItems();
        boolean left =
            pods.stream()
                .anyMatch(
                    pod ->
                        pod.getMetadata().getOwnerReferences() != null
                            && pod.getMetadata().getOwnerReferences().stream()
                                .anyMatch(owner -> uid.equals(owner.getUid())));
        if (left) {
          if (at.isAfter(deadline)) {
            return Progress.failed(
                "the pods of "
                    + describe(ref)
                    + " were still there after "
                    + timings.rolloutTimeout());
          }
          return Progress.waiting("the pods of " + describe(ref) + " to go");
        }
        goneAt[0] = at;
      }
      return at.isBefore(goneAt[0].plus(quietPeriod))
          ? Progress.waiting("quiet period after draining " + describe(ref))
          : Progress.done();
    };
  }

  /** Done when the Job succeeded; failed when it failed or ran past the timeout. */
  Applied.Check jobFinished(
      Resource<GenericKubernetesResource> job, String what, Instant now, Duration timeout) {
    Instant deadline = now.plus(timeout);
    return at -> {
      GenericKubernetesResource current = job.get();
      if (current == null) {
        return Progress.failed(what + " disappeared");
      }
      Map<String, Object> status = ObjectMaps.status(current);
      if (ObjectMaps.intAt(status, "succeeded") > 0) {
        return Progress.done();
      }
      if (ObjectMaps.intAt(status, "failed") > 0 || hasCondition(status, "Failed", null)) {
        return Progress.failed(what + " failed");
      }
      if (at.isAfter(deadline)) {
        return Progress.failed(what + " did not finish within " + timeout);
      }
      return Progress.waiting(what);
    };
  }

  /** Done when the object is gone. */
  Applied.Check gone(ObjectRef ref) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    return at ->
        resource.get() == null
            ? Progress.done()
            : Progress.waiting(describe(ref) + " to be deleted");
  }

  /** Done when every check is done; otherwise the first that is not. */
  static Applied.Check all(List<Applied.Check> checks) {
    return at -> {
      for (Applied.Check check : checks) {
        Progress progress = check.poll(at);
        if (progress.state() != Progress.State.DONE) {
          return progress;
        }
      }
      return Progress.done();
    };
  }

  private static boolean hasCondition(Map<String, Object> status, String type, String reason) {
    for (Object item : ObjectMaps.list(status.get("conditions"))) {
      Map<String, Object> condition = ObjectMaps.map(item);
      if (condition != null
          && type.equals(condition.get("type"))
          && (reason == null
              ? "True".equals(condition.get("status"))
              : reason.equals(condition.get("reason")))) {
        return true;
      }
    }
    return false;
  }
}
