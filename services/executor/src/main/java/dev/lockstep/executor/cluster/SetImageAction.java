package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code set-image}: a Deployment's, StatefulSet's or DaemonSet's container image, then its
 * rollout; for a rollback step, the images and replicas of {@code restore}.
 */
final class SetImageAction implements ClusterAction {
  /** On the pod template: the retry whose restarted rollout it is. */
  static final String RETRY_ANNOTATION = "lockstep.dev/retry";

  private final KubernetesClient client;
  private final Marking marking;
  private final RolloutWaits waits;

  SetImageAction(KubernetesClient client, Marking marking, RolloutWaits waits) {
    this.client = client;
    this.marking = marking;
    this.waits = waits;
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    WorkloadRef workload = StepObjects.requireWorkload(context.step());
    List<ObjectState> before = new ArrayList<>();
    StepObjects.read(
            client,
            ObjectRef.of(workload.kind(), workload.namespace(), workload.name()),
            null,
            false)
        .ifPresent(before::add);
    return before;
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    PlanStep step = context.step();
    WorkloadRef workload = StepObjects.requireWorkload(step);
    ObjectState restore =
        StepObjects.restoreFor(step, workload.kind(), workload.namespace(), workload.name());
    if (restore == null && step.image() == null) {
      throw new StepFailure("set-image step " + step.id() + " names no image");
    }
    String version = restore != null && restore.version() != null ? restore.version() : step.to();
    ObjectRef ref = ObjectRef.of(workload.kind(), workload.namespace(), workload.name());
    Marking.Marked marked =
        marking.mark(
            context,
            ref,
            version,
            object -> {
              if (restore != null && restore.images() != null) {
                for (Map<String, Object> container : ObjectMaps.containers(object)) {
                  String image = restore.images().get(String.valueOf(container.get("name")));
                  if (image != null) {
                    container.put("image", image);
                  }
                }
                if (restore.replicas() != null && !"DaemonSet".equals(object.getKind())) {
                  ObjectMaps.spec(object).put("replicas", restore.replicas());
                }
              } else {
                setContainerImage(object, workload.container(), step.image());
              }
            });
    Applied.Outcome outcome = marked.outcome();
    if (restore == null && context.retry() > 0 && restartRollout(ref, context.retry())) {
      outcome = Applied.Outcome.CHANGED;
    }
    return new Applied(outcome, List.of(marked.before()), null, waits.rollout(ref, now));
  }

  /**
   * A retried step's new rollout of the same image, as {@code kubectl rollout restart} makes one:
   * the pod template is annotated with the retry, once per retry (a run again after a crash finds
   * it written). True when it was written now.
   */
  private boolean restartRollout(ObjectRef ref, int retry) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    String value = String.valueOf(retry);
    for (int attempt = 1; ; attempt++) {
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        throw new StepFailure(describe(ref) + " does not exist");
      }
      Map<String, Object> template = ObjectMaps.map(ObjectMaps.spec(current).get("template"));
      if (template == null) {
        throw new StepFailure(describe(ref) + " has no pod template");
      }
      Map<String, Object> metadata = ObjectMaps.map(template.get("metadata"));
      if (metadata == null) {
        metadata = new LinkedHashMap<>();
        template.put("metadata", metadata);
      }
      Map<String, Object> annotations = ObjectMaps.map(metadata.get("annotations"));
      if (annotations == null) {
        annotations = new LinkedHashMap<>();
        metadata.put("annotations", annotations);
      }
      if (value.equals(annotations.get(RETRY_ANNOTATION))) {
        return false;
      }
      annotations.put(RETRY_ANNOTATION, value);
      try {
        Resources.in(client, ref).resource(current).update();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            || attempt >= Marking.CONFLICT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static void setContainerImage(
      GenericKubernetesResource object, String containerName, String image) {
    List<Map<String, Object>> containers = ObjectMaps.containers(object);
    if (containers.isEmpty()) {
      throw new StepFailure(describe(object) + " has no containers");
    }
    Map<String, Object> target = containers.get(0);
    if (containerName != null) {
      target =
          containers.stream()
              .filter(c -> containerName.equals(c.get("name")))
              .findFirst()
              .orElseThrow(
                  () ->
                      new StepFailure(
                          describe(object) + " has no container named " + containerName));
    }
    target.put("image", image);
  }
}
