package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code backup}: a {@code snapshot.storage.k8s.io/v1} VolumeSnapshot per claim of the workload
 * (named from upgrade, step and claim; created only when absent), waited on until {@code
 * readyToUse}. It records no before-state; the snapshot names travel in {@code step.succeeded}.
 */
final class BackupAction implements ClusterAction {
  private final KubernetesClient client;
  private final ClusterTimings timings;

  BackupAction(KubernetesClient client, ClusterTimings timings) {
    this.client = client;
    this.timings = timings;
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    // A backup only creates snapshots (reported by name).
    return List.of();
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    PlanStep step = context.step();
    WorkloadRef workload = StepObjects.requireWorkload(step);
    if (step.backup() == null) {
      throw new StepFailure("backup step " + step.id() + " names no volume snapshot class");
    }
    GenericKubernetesResource object =
        Resources.of(client, workload.kind(), workload.namespace(), workload.name()).get();
    if (object == null) {
      throw new StepFailure(describe(workload) + " does not exist");
    }
    List<String> claims = claimsOf(object);
    if (claims.isEmpty()) {
      throw new StepFailure(describe(workload) + " has no persistent volume claims to snapshot");
    }
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    List<String> names = new ArrayList<>();
    for (String claim : claims) {
      String name = StepObjects.objectName(claim, context);
      names.add(name);
      Resource<GenericKubernetesResource> snapshot =
          Resources.of(client, "VolumeSnapshot", workload.namespace(), name);
      if (snapshot.get() != null) {
        continue;
      }
      GenericKubernetesResource created = new GenericKubernetesResource();
      created.setApiVersion(Resources.SNAPSHOT_API);
      created.setKind("VolumeSnapshot");
      created.setMetadata(
          new ObjectMetaBuilder()
              .withName(name)
              .withNamespace(workload.namespace())
              .withAnnotations(Marking.marks(context, step.from()))
              .build());
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("volumeSnapshotClassName", step.backup().volumeSnapshotClass());
      spec.put("source", Map.of("persistentVolumeClaimName", claim));
      created.getAdditionalProperties().put("spec", spec);
      try {
        snapshot.create(created);
        outcome = Applied.Outcome.CREATED;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
    }
    return new Applied(
        outcome, List.of(), String.join(",", names), snapshotsReady(workload, names, now));
  }

  /** Done when every snapshot is ready to use; failed on its error or past the timeout. */
  private Applied.Check snapshotsReady(WorkloadRef workload, List<String> names, Instant now) {
    Instant deadline = now.plus(timings.snapshotTimeout());
    return at -> {
      for (String name : names) {
        GenericKubernetesResource current =
            Resources.of(client, "VolumeSnapshot", workload.namespace(), name).get();
        if (current == null) {
          return Progress.failed("VolumeSnapshot " + name + " disappeared");
        }
        Map<String, Object> status = ObjectMaps.status(current);
        Map<String, Object> error = ObjectMaps.map(status.get("error"));
        if (error != null && error.get("message") != null) {
          return Progress.failed("VolumeSnapshot " + name + " failed: " + error.get("message"));
        }
        if (!Boolean.TRUE.equals(status.get("readyToUse"))) {
          if (at.isAfter(deadline)) {
            return Progress.failed(
                "VolumeSnapshot " + name + " was not ready within " + timings.snapshotTimeout());
          }
          return Progress.waiting("VolumeSnapshot " + name);
        }
      }
      return Progress.done();
    };
  }

  private List<String> claimsOf(GenericKubernetesResource workload) {
    Set<String> claims = new LinkedHashSet<>();
    String namespace = workload.getMetadata().getNamespace();
    Map<String, Object> spec = ObjectMaps.spec(workload);
    List<String> templates = new ArrayList<>();
    for (Object template : ObjectMaps.list(spec.get("volumeClaimTemplates"))) {
      Map<String, Object> meta = ObjectMaps.map(ObjectMaps.map(template).get("metadata"));
      if (meta != null && meta.get("name") != null) {
        templates.add(meta.get("name") + "-" + workload.getMetadata().getName() + "-");
      }
    }
    Map<String, Object> template = ObjectMaps.map(spec.get("template"));
    Map<String, Object> podSpec = template == null ? null : ObjectMaps.map(template.get("spec"));
    if (podSpec != null) {
      for (Object volume : ObjectMaps.list(podSpec.get("volumes"))) {
        Map<String, Object> claim =
            ObjectMaps.map(ObjectMaps.map(volume).get("persistentVolumeClaim"));
        if (claim != null && claim.get("claimName") != null) {
          claims.add(String.valueOf(claim.get("claimName")));
        }
      }
    }
    if (!templates.isEmpty()) {
      client
          .persistentVolumeClaims()
          .inNamespace(namespace)
          .list()
          .getItems()
          .forEach(
              pvc -> {
                String name = pvc.getMetadata().getName();
                if (templates.stream().anyMatch(name::startsWith)) {
                  claims.add(name);
                }
              });
    }
    return claims.stream().sorted().toList();
  }
}
