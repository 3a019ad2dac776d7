package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * {@code restore-snapshot}: each claim re-created from its snapshot as {@code dataSource} (the plan
 * drains the workload around it). A run that died between deleting a claim and re-creating it
 * re-creates the claim from the intent's manifest and stamps it with that before-state.
 */
final class RestoreSnapshotAction implements ClusterAction {
  private final KubernetesClient client;
  private final ClusterSteps.Midway midway;

  RestoreSnapshotAction(KubernetesClient client, ClusterSteps.Midway midway) {
    this.client = client;
    this.midway = midway;
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    PlanStep step = context.step();
    WorkloadRef workload = StepObjects.requireWorkload(step);
    List<ObjectState> before = new ArrayList<>();
    for (String snapshotName : snapshotNames(step)) {
      GenericKubernetesResource snapshot =
          Resources.of(client, "VolumeSnapshot", workload.namespace(), snapshotName).get();
      String claim = snapshot == null ? null : sourceClaim(snapshot);
      if (claim != null) {
        StepObjects.read(
                client,
                ObjectRef.of("PersistentVolumeClaim", workload.namespace(), claim),
                null,
                true)
            .ifPresent(before::add);
      }
    }
    return before;
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    PlanStep step = context.step();
    WorkloadRef workload = StepObjects.requireWorkload(step);
    String namespace = workload.namespace();
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    List<ObjectState> before = new ArrayList<>();
    List<String> claims = new ArrayList<>();
    for (String snapshotName : snapshotNames(step)) {
      GenericKubernetesResource snapshot =
          Resources.of(client, "VolumeSnapshot", namespace, snapshotName).get();
      if (snapshot == null) {
        throw new StepFailure(
            "VolumeSnapshot " + namespace + "/" + snapshotName + " does not exist", before);
      }
      String claim = sourceClaim(snapshot);
      if (claim == null) {
        throw new StepFailure("VolumeSnapshot " + snapshotName + " names no source claim", before);
      }
      claims.add(claim);
      Resource<GenericKubernetesResource> pvc =
          Resources.of(client, "PersistentVolumeClaim", namespace, claim);
      GenericKubernetesResource current = pvc.get();
      ObjectState started =
          Marking.startedBefore(context, "PersistentVolumeClaim", namespace, claim);
      if (current != null && Marking.markedByStep(current, context)) {
        before.add(started != null ? started : Marking.recordedBefore(current));
        continue;
      }
      // The claim as it was: as found now, or, when an earlier run deleted it and then died, as
      // the step's intent recorded it.
      ObjectState old;
      if (current != null) {
        old = started != null ? started : ObjectMaps.stateOf(current, true);
      } else {
        old = started != null && started.exists() ? started : null;
      }
      if (old != null) {
        before.add(old);
      }
      if (current != null) {
        pvc.delete();
        midway.reached(step.id());
      }
      Map<String, Object> oldSpec = specOf(current, old);
      Map<String, Object> spec = new LinkedHashMap<>();
      for (String key : List.of("accessModes", "resources", "storageClassName", "volumeMode")) {
        if (oldSpec.get(key) != null) {
          spec.put(key, oldSpec.get(key));
        }
      }
      spec.putIfAbsent("accessModes", List.of("ReadWriteOnce"));
      if (!spec.containsKey("resources")) {
        Object size = ObjectMaps.status(snapshot).get("restoreSize");
        spec.put("resources", Map.of("requests", Map.of("storage", size == null ? "1Gi" : size)));
      }
      spec.put(
          "dataSource",
          Map.of(
              "apiGroup", "snapshot.storage.k8s.io",
              "kind", "VolumeSnapshot",
              "name", snapshotName));
      Map<String, String> annotations = Marking.marks(context, step.to());
      if (old != null) {
        annotations.put(LockstepAnnotations.BEFORE_STATE, Marking.toJson(old));
      }
      GenericKubernetesResource created = new GenericKubernetesResource();
      created.setApiVersion("v1");
      created.setKind("PersistentVolumeClaim");
      created.setMetadata(
          new ObjectMetaBuilder()
              .withName(claim)
              .withNamespace(namespace)
              .withLabels(labelsOf(current, old))
              .withAnnotations(annotations)
              .build());
      created.getAdditionalProperties().put("spec", spec);
      createWhenGone(pvc, created);
      outcome = Applied.Outcome.CHANGED;
    }
    Applied.Check check =
        at -> {
          for (String claim : claims) {
            GenericKubernetesResource current =
                Resources.of(client, "PersistentVolumeClaim", namespace, claim).get();
            if (current == null || !Marking.markedByStep(current, context)) {
              return Progress.waiting("PersistentVolumeClaim " + claim);
            }
          }
          return Progress.done();
        };
    return new Applied(outcome, before, null, check);
  }

  private static List<String> snapshotNames(PlanStep step) {
    if (step.snapshot() == null || step.snapshot().isBlank()) {
      throw new StepFailure("restore-snapshot step " + step.id() + " names no snapshot");
    }
    List<String> names = new ArrayList<>();
    for (String name : step.snapshot().split(",")) {
      if (!name.isBlank()) {
        names.add(name.trim());
      }
    }
    return names;
  }

  private static String sourceClaim(GenericKubernetesResource snapshot) {
    Map<String, Object> source = ObjectMaps.map(ObjectMaps.spec(snapshot).get("source"));
    return source == null ? null : (String) source.get("persistentVolumeClaimName");
  }

  /** The spec of a claim: as found, or from its recorded manifest. */
  private static Map<String, Object> specOf(GenericKubernetesResource current, ObjectState old) {
    if (current != null) {
      return ObjectMaps.spec(current);
    }
    Map<String, Object> spec =
        old == null || old.manifest() == null ? null : ObjectMaps.map(old.manifest().get("spec"));
    return spec == null ? Map.of() : spec;
  }

  /** The labels of a claim: as found, or from its recorded manifest. */
  private static Map<String, String> labelsOf(GenericKubernetesResource current, ObjectState old) {
    if (current != null) {
      return current.getMetadata().getLabels();
    }
    Map<String, Object> metadata =
        old == null || old.manifest() == null
            ? null
            : ObjectMaps.map(old.manifest().get("metadata"));
    Map<String, Object> labels = metadata == null ? null : ObjectMaps.map(metadata.get("labels"));
    if (labels == null) {
      return null;
    }
    Map<String, String> result = new LinkedHashMap<>();
    labels.forEach((key, value) -> result.put(key, String.valueOf(value)));
    return result;
  }

  private static void createWhenGone(
      Resource<GenericKubernetesResource> resource, GenericKubernetesResource object) {
    for (int attempt = 1; ; attempt++) {
      try {
        resource.create(object);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            || attempt >= Marking.CONFLICT_ATTEMPTS) {
          throw e;
        }
        // The old claim is still being deleted: its finalizers have not run yet.
        resource.waitUntilCondition(Objects::isNull, 5, TimeUnit.SECONDS);
      }
    }
  }
}
