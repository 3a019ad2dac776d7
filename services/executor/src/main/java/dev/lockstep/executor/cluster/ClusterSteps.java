package dev.lockstep.executor.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster operations of plan steps, through fabric8: set an image, drain and restore replicas,
 * run a migration Job, snapshot and restore volumes, remove objects. Each is idempotent: it marks
 * every object it changes with the upgrade and step ids and the object's before-state in one write
 * (guarded by the object's {@code resourceVersion}), so a step run again after a crash finds its
 * work done and still reports the true before-state. Nothing here waits: the returned {@link
 * Applied.Check} is polled by a timer.
 *
 * <p>Before a step first acts, {@link #readBefore} reads the state of every object it will change;
 * the executor records it in the step's intent. A step that deletes (a {@code remove}, the claims
 * of a {@code restore-snapshot}) leaves no stamp to find after a crash, so a re-run reports those
 * recorded before-states rather than what it finds.
 */
public final class ClusterSteps {
  private static final int CONFLICT_ATTEMPTS = 8;
  private static final Set<String> WORKLOAD_KINDS = WorkloadRef.KINDS;

  private final KubernetesClient client;
  private final Set<String> allowedNamespaces;
  private final ClusterTimings timings;
  private final Midway midway;

  public ClusterSteps(
      KubernetesClient client, Set<String> allowedNamespaces, ClusterTimings timings) {
    this(client, allowedNamespaces, timings, stepId -> {});
  }

  public ClusterSteps(
      KubernetesClient client,
      Set<String> allowedNamespaces,
      ClusterTimings timings,
      Midway midway) {
    this.client = client;
    this.allowedNamespaces = Set.copyOf(allowedNamespaces);
    this.timings = timings;
    this.midway = midway;
  }

  /**
   * Called between two writes of one step (after a delete, before what follows it), where a crash
   * leaves the cluster half changed; crash tests stop the executor there.
   */
  @FunctionalInterface
  public interface Midway {
    /** The step has made one of its writes and is about to make the next or to wait. */
    void reached(String stepId);
  }

  /**
   * Every namespace a step would touch; a step that names one outside the platform's allowed
   * namespaces fails before any request reaches the API server.
   */
  public static Set<String> namespacesOf(PlanStep step) {
    Set<String> namespaces = new LinkedHashSet<>();
    String home = step.workload() == null ? null : step.workload().namespace();
    if (home != null) {
      namespaces.add(home);
    }
    if (step.targets() != null) {
      for (ObjectRef target : step.targets()) {
        namespaces.add(target.namespace() == null ? home : target.namespace());
      }
    }
    if (step.restore() != null) {
      for (ObjectState state : step.restore()) {
        namespaces.add(state.namespace() == null ? home : state.namespace());
      }
    }
    if (step.objects() != null) {
      for (Map<String, Object> object : step.objects()) {
        namespaces.add(Manifests.refOf(object).namespace());
      }
    }
    if (step.customResource() != null) {
      namespaces.add(step.customResource().namespace());
    }
    return namespaces;
  }

  /**
   * The state of every object the step will change, read from the cluster and changing nothing:
   * what its intent records before it first acts. Objects that do not exist are left out (the step
   * fails on them, or has nothing to do); an object a step creates (a migration Job) is recorded as
   * absent. Throws {@link StepFailure}, before any request, for a namespace outside the platform.
   */
  public List<ObjectState> readBefore(StepContext context) {
    checkNamespaces(context);
    PlanStep step = context.step();
    List<ObjectState> before = new ArrayList<>();
    switch (step.action()) {
      case SET_IMAGE -> {
        WorkloadRef workload = requireWorkload(step);
        read(ObjectRef.of(workload.kind(), workload.namespace(), workload.name()), null, false)
            .ifPresent(before::add);
      }
      case DRAIN, RESTORE_REPLICAS -> {
        for (ObjectRef target : targets(step)) {
          read(target, null, false).ifPresent(before::add);
        }
      }
      case MIGRATE -> {
        WorkloadRef workload = requireWorkload(step);
        before.add(migrationJob(workload.namespace(), context));
      }
      case RESTORE_SNAPSHOT -> {
        WorkloadRef workload = requireWorkload(step);
        for (String snapshotName : snapshotNames(step)) {
          GenericKubernetesResource snapshot =
              Resources.of(client, "VolumeSnapshot", workload.namespace(), snapshotName).get();
          String claim = snapshot == null ? null : sourceClaim(snapshot);
          if (claim != null) {
            read(ObjectRef.of("PersistentVolumeClaim", workload.namespace(), claim), null, true)
                .ifPresent(before::add);
          }
        }
      }
      case REMOVE -> {
        String home = step.workload() == null ? null : step.workload().namespace();
        for (ObjectRef ref : removals(step)) {
          read(ref, home, true).ifPresent(before::add);
        }
      }
      case APPLY -> before.addAll(readBundleBefore(step));
      case PATCH_RESOURCE -> {
        GenericKubernetesResource current =
            Resources.of(client, customResourceRef(step), null).get();
        if (current != null) {
          before.add(ObjectMaps.stateOf(current, true, true));
        }
      }
      case BACKUP, APPROVE -> {
        // A backup only creates snapshots (reported by name); an approval changes nothing.
      }
    }
    return before;
  }

  private Optional<ObjectState> read(ObjectRef ref, String defaultNamespace, boolean withManifest) {
    GenericKubernetesResource current = Resources.of(client, ref, defaultNamespace).get();
    return Optional.ofNullable(current == null ? null : ObjectMaps.stateOf(current, withManifest));
  }

  /** Makes the step's change, or finds it made; throws {@link StepFailure} when it cannot. */
  public Applied apply(StepContext context, Instant now) {
    checkNamespaces(context);
    PlanStep step = context.step();
    return switch (step.action()) {
      case SET_IMAGE -> setImage(context, now);
      case DRAIN -> drain(context, now);
      case RESTORE_REPLICAS -> restoreReplicas(context, now);
      case MIGRATE -> migrate(context, now);
      case BACKUP -> backup(context, now);
      case RESTORE_SNAPSHOT -> restoreSnapshot(context);
      case REMOVE -> remove(context);
      case APPLY -> applyBundle(context, now);
      case PATCH_RESOURCE -> patchResource(context, now);
      case APPROVE -> throw new StepFailure("an approval step has no cluster operation");
    };
  }

  private void checkNamespaces(StepContext context) {
    PlanStep step = context.step();
    checkShape(step);
    for (String namespace : namespacesOf(step)) {
      if (namespace == null) {
        throw new StepFailure(
            "step " + step.id() + " names an object without a namespace; nothing was changed");
      }
      if (!allowedNamespaces.contains(namespace)) {
        throw new StepFailure(
            "namespace "
                + namespace
                + " is not allowed on platform "
                + context.platform()
                + " (allowed: "
                + String.join(", ", allowedNamespaces.stream().sorted().toList())
                + "); nothing was changed");
      }
    }
  }

  // ---- set-image ----------------------------------------------------------------------------

  private Applied setImage(StepContext context, Instant now) {
    PlanStep step = context.step();
    WorkloadRef workload = requireWorkload(step);
    ObjectState restore = restoreFor(step, workload.kind(), workload.namespace(), workload.name());
    if (restore == null && step.image() == null) {
      throw new StepFailure("set-image step " + step.id() + " names no image");
    }
    String version = restore != null && restore.version() != null ? restore.version() : step.to();
    ObjectRef ref = ObjectRef.of(workload.kind(), workload.namespace(), workload.name());
    ObjectState before =
        mark(
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
    return new Applied(List.of(before), null, rollout(ref, now));
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

  // ---- drain and restore-replicas -----------------------------------------------------------

  private Applied drain(StepContext context, Instant now) {
    List<ObjectRef> targets = targets(context.step());
    List<ObjectState> before = new ArrayList<>();
    List<Applied.Check> checks = new ArrayList<>();
    for (ObjectRef target : targets) {
      requireScalable(target);
      before.add(mark(context, target, null, object -> ObjectMaps.spec(object).put("replicas", 0)));
      checks.add(podsGone(target, now));
    }
    return new Applied(before, null, all(checks));
  }

  private Applied restoreReplicas(StepContext context, Instant now) {
    List<ObjectRef> targets = targets(context.step());
    List<ObjectState> before = new ArrayList<>();
    List<Applied.Check> checks = new ArrayList<>();
    for (ObjectRef target : targets) {
      requireScalable(target);
      Integer replicas = recordedReplicas(context, target);
      if (replicas == null) {
        throw new StepFailure(
            "no recorded replicas for "
                + target.kind()
                + " "
                + target.namespace()
                + "/"
                + target.name()
                + " (neither in the step nor from an earlier drain)",
            before);
      }
      before.add(
          mark(context, target, null, object -> ObjectMaps.spec(object).put("replicas", replicas)));
      checks.add(rollout(target, now));
    }
    return new Applied(before, null, all(checks));
  }

  private static Integer recordedReplicas(StepContext context, ObjectRef target) {
    ObjectState restore =
        restoreFor(context.step(), target.kind(), target.namespace(), target.name());
    if (restore != null && restore.replicas() != null) {
      return restore.replicas();
    }
    Integer found = null;
    for (ObjectState state : context.priorBefore()) {
      if (same(state, target.kind(), target.namespace(), target.name())
          && state.replicas() != null
          && state.replicas() > 0) {
        found = state.replicas();
        break;
      }
    }
    return found;
  }

  // ---- migrate ------------------------------------------------------------------------------

  private Applied migrate(StepContext context, Instant now) {
    PlanStep step = context.step();
    Migration migration = step.migration();
    if (migration == null) {
      throw new StepFailure("migrate step " + step.id() + " names no migration");
    }
    WorkloadRef workload = requireWorkload(step);
    String name = objectName(step.component() + "-migrate", context);
    Resource<GenericKubernetesResource> job =
        Resources.of(client, "Job", workload.namespace(), name);
    if (job.get() == null) {
      Map<String, Object> container = new LinkedHashMap<>();
      container.put("name", "migrate");
      container.put("image", migration.image());
      container.put("args", migration.args());
      Map<String, Object> podSpec = new LinkedHashMap<>();
      podSpec.put("restartPolicy", "Never");
      podSpec.put("containers", List.of(container));
      Map<String, Object> template = new LinkedHashMap<>();
      template.put("spec", podSpec);
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("backoffLimit", 0);
      spec.put("template", template);
      GenericKubernetesResource object = new GenericKubernetesResource();
      object.setApiVersion("batch/v1");
      object.setKind("Job");
      object.setMetadata(
          new ObjectMetaBuilder()
              .withName(name)
              .withNamespace(workload.namespace())
              .withAnnotations(marks(context, step.to()))
              .build());
      object.getAdditionalProperties().put("spec", spec);
      try {
        job.create(object);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
    }
    ObjectState before = migrationJob(workload.namespace(), context);
    Duration timeout = GoDuration.parseOr(migration.timeout(), timings.migrationTimeout());
    Instant deadline = now.plus(timeout);
    String what = "migration Job " + workload.namespace() + "/" + name;
    Applied.Check check =
        at -> {
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
    return new Applied(List.of(before), null, check);
  }

  /** The migration Job a step creates, recorded as absent before it: a rollback deletes it. */
  private static ObjectState migrationJob(String namespace, StepContext context) {
    return new ObjectState(
        "batch/v1",
        "Job",
        namespace,
        objectName(context.step().component() + "-migrate", context),
        false,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  // ---- backup and restore-snapshot ----------------------------------------------------------

  private Applied backup(StepContext context, Instant now) {
    PlanStep step = context.step();
    WorkloadRef workload = requireWorkload(step);
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
    List<String> names = new ArrayList<>();
    for (String claim : claims) {
      String name = objectName(claim, context);
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
              .withAnnotations(marks(context, step.from()))
              .build());
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("volumeSnapshotClassName", step.backup().volumeSnapshotClass());
      spec.put("source", Map.of("persistentVolumeClaimName", claim));
      created.getAdditionalProperties().put("spec", spec);
      try {
        snapshot.create(created);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
    }
    Instant deadline = now.plus(timings.snapshotTimeout());
    Applied.Check check =
        at -> {
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
                    "VolumeSnapshot "
                        + name
                        + " was not ready within "
                        + timings.snapshotTimeout());
              }
              return Progress.waiting("VolumeSnapshot " + name);
            }
          }
          return Progress.done();
        };
    return new Applied(List.of(), String.join(",", names), check);
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

  private Applied restoreSnapshot(StepContext context) {
    PlanStep step = context.step();
    WorkloadRef workload = requireWorkload(step);
    String namespace = workload.namespace();
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
      ObjectState started = startedBefore(context, "PersistentVolumeClaim", namespace, claim);
      if (current != null
          && LockstepAnnotations.markedBy(
              current.getMetadata().getAnnotations(), context.upgradeId(), step.id())) {
        before.add(started != null ? started : recordedBefore(current));
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
      Map<String, String> annotations = marks(context, step.to());
      if (old != null) {
        annotations.put(LockstepAnnotations.BEFORE_STATE, toJson(old));
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
    }
    Applied.Check check =
        at -> {
          for (String claim : claims) {
            GenericKubernetesResource current =
                Resources.of(client, "PersistentVolumeClaim", namespace, claim).get();
            if (current == null
                || !LockstepAnnotations.markedBy(
                    current.getMetadata().getAnnotations(), context.upgradeId(), step.id())) {
              return Progress.waiting("PersistentVolumeClaim " + claim);
            }
          }
          return Progress.done();
        };
    return new Applied(before, null, check);
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
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
        // The old claim is still being deleted: its finalizers have not run yet.
        resource.waitUntilCondition(Objects::isNull, 5, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  // ---- remove -------------------------------------------------------------------------------

  private Applied remove(StepContext context) {
    PlanStep step = context.step();
    List<ObjectRef> refs = removals(step);
    if (refs.isEmpty()) {
      throw new StepFailure("remove step " + step.id() + " names nothing to remove");
    }
    List<ObjectState> before = new ArrayList<>();
    String home = step.workload() == null ? null : step.workload().namespace();
    for (ObjectRef ref : refs) {
      String namespace = ref.namespace() == null ? home : ref.namespace();
      ObjectState started = startedBefore(context, ref.kind(), namespace, ref.name());
      Resource<GenericKubernetesResource> resource = Resources.of(client, ref, home);
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        // Gone: deleted by an earlier run of this step that died before its result, or never
        // there. Its intent knows which.
        if (started != null && started.exists()) {
          before.add(started);
        }
        continue;
      }
      if (started != null) {
        before.add(started);
      } else {
        before.add(
            LockstepAnnotations.markedBy(
                    current.getMetadata().getAnnotations(), context.upgradeId(), step.id())
                ? recordedBefore(current)
                : ObjectMaps.stateOf(current, true));
      }
      resource.delete();
      midway.reached(step.id());
    }
    Applied.Check check =
        at -> {
          for (ObjectRef ref : refs) {
            if (Resources.of(client, ref, home).get() != null) {
              return Progress.waiting(ref.kind() + " " + ref.name() + " to be deleted");
            }
          }
          return Progress.done();
        };
    return new Applied(before, null, check);
  }

  /** What a remove step deletes: restore entries the upgrade created, its targets, its workload. */
  private static List<ObjectRef> removals(PlanStep step) {
    List<ObjectRef> refs = new ArrayList<>();
    if (step.restore() != null && !step.restore().isEmpty()) {
      for (ObjectState state : step.restore()) {
        if (!state.exists()) {
          refs.add(
              new ObjectRef(state.apiVersion(), state.kind(), state.namespace(), state.name()));
        }
      }
    }
    if (step.targets() != null) {
      refs.addAll(targets(step));
    }
    if (refs.isEmpty() && step.workload() != null) {
      WorkloadRef w = step.workload();
      refs.add(ObjectRef.of(w.kind(), w.namespace(), w.name()));
    }
    return refs;
  }

  // ---- apply --------------------------------------------------------------------------------

  /**
   * What an apply step must be before it sends any request: every object complete (apiVersion,
   * kind, name, namespace) and no Secret (its values would travel in the step's before-states, and
   * secrets never reach events); a rollback's objects to put back with their manifest. A custom
   * resource step names its resource, a valid timeout, and {@code set} paths outside metadata and
   * status.
   */
  private static void checkShape(PlanStep step) {
    if (step.action() == StepAction.APPLY) {
      List<ObjectRef> refs = new ArrayList<>();
      if (hasRestore(step)) {
        for (ObjectState state : step.restore()) {
          if (state.exists() && state.manifest() == null) {
            throw new StepFailure(
                describe(Manifests.refOf(state))
                    + " has no recorded manifest to put back; nothing was changed");
          }
          refs.add(Manifests.refOf(state));
        }
      } else {
        for (Map<String, Object> object : objects(step)) {
          ObjectRef ref = Manifests.refOf(object);
          if (ref.apiVersion() == null || ref.kind() == null || ref.name() == null) {
            throw new StepFailure(
                "apply step "
                    + step.id()
                    + " has an object without apiVersion, kind or metadata.name ("
                    + describe(ref)
                    + "); nothing was changed");
          }
          if (ref.namespace() == null) {
            throw new StepFailure(
                "apply step "
                    + step.id()
                    + " has "
                    + ref.kind()
                    + " "
                    + ref.name()
                    + " without a namespace: only objects in the platform's namespaces are applied"
                    + "; nothing was changed");
          }
          refs.add(ref);
        }
        refs.addAll(deletions(step));
        if (refs.isEmpty()) {
          throw new StepFailure("apply step " + step.id() + " has nothing to apply or delete");
        }
      }
      for (ObjectRef ref : refs) {
        if ("Secret".equals(ref.kind())) {
          throw new StepFailure(
              "apply step "
                  + step.id()
                  + " touches Secret "
                  + ref.namespace()
                  + "/"
                  + ref.name()
                  + ": Lockstep does not apply Secrets, whose values would reach its events"
                  + " (reference an existing Secret instead); nothing was changed");
        }
      }
    } else if (step.action() == StepAction.PATCH_RESOURCE) {
      customResourceRef(step);
      CustomResource resource = step.customResource();
      if (resource != null) {
        if (resource.timeout() != null && GoDuration.parse(resource.timeout()).isEmpty()) {
          throw new StepFailure(
              "patch-resource step "
                  + step.id()
                  + " has a timeout '"
                  + resource.timeout()
                  + "' that is not a duration like 10m; nothing was changed");
        }
        if (!hasRestore(step)) {
          if (resource.set().isEmpty()) {
            throw new StepFailure(
                "patch-resource step " + step.id() + " sets nothing; nothing was changed");
          }
          for (String path : resource.set().keySet()) {
            if (path.equals("metadata")
                || path.startsWith("metadata.")
                || path.equals("status")
                || path.startsWith("status.")) {
              throw new StepFailure(
                  "patch-resource step "
                      + step.id()
                      + " sets "
                      + path
                      + ": set changes the resource's spec (or other fields), never its metadata"
                      + " or status; nothing was changed");
            }
          }
        }
      }
    }
  }

  /**
   * The before-state of every object an apply step changes: each object of the bundle (its whole
   * manifest, or absent) and each object it deletes; for a rollback, each object it puts back or
   * deletes.
   */
  private List<ObjectState> readBundleBefore(PlanStep step) {
    List<ObjectRef> refs = new ArrayList<>();
    if (hasRestore(step)) {
      step.restore().forEach(state -> refs.add(Manifests.refOf(state)));
    } else {
      objects(step).forEach(object -> refs.add(Manifests.refOf(object)));
    }
    List<ObjectState> before = new ArrayList<>();
    for (ObjectRef ref : refs) {
      before.add(read(ref, null, true).orElseGet(() -> absent(ref)));
    }
    if (!hasRestore(step)) {
      for (ObjectRef ref : deletions(step)) {
        read(ref, null, true).ifPresent(before::add);
      }
    }
    return before;
  }

  /**
   * Applies a bundle: each object created or replaced (as a whole, with the Lockstep marks), then
   * the objects the new bundle drops deleted; then waits for the bundle's workloads to roll out and
   * the deleted objects to be gone. A rollback's apply (with {@code restore}) puts back each
   * recorded manifest, re-creating what the upgrade deleted, and deletes what the upgrade created.
   */
  private Applied applyBundle(StepContext context, Instant now) {
    PlanStep step = context.step();
    Map<ObjectRef, Map<String, Object>> writes = new LinkedHashMap<>();
    List<ObjectRef> deletes = new ArrayList<>();
    if (hasRestore(step)) {
      for (ObjectState state : step.restore()) {
        if (state.exists()) {
          writes.put(Manifests.refOf(state), state.manifest());
        } else {
          deletes.add(Manifests.refOf(state));
        }
      }
    } else {
      for (Map<String, Object> object : objects(step)) {
        writes.put(Manifests.refOf(object), object);
      }
      deletes.addAll(deletions(step));
    }
    List<ObjectState> before = new ArrayList<>();
    List<Applied.Check> checks = new ArrayList<>();
    try {
      for (Map.Entry<ObjectRef, Map<String, Object>> write : writes.entrySet()) {
        ObjectRef ref = write.getKey();
        before.add(replace(context, ref, write.getValue()));
        midway.reached(step.id());
        if (isWorkload(ref)) {
          checks.add(rollout(ref, now));
        }
      }
      for (ObjectRef ref : deletes) {
        delete(context, ref, before);
        checks.add(gone(ref));
      }
    } catch (KubernetesClientException e) {
      if (transientError(e)) {
        throw e;
      }
      throw new StepFailure(
          "the API server refused the change: " + firstLine(e.getMessage()),
          reported(context, before));
    }
    return new Applied(reported(context, before), null, all(checks));
  }

  /**
   * Creates or replaces one object with its manifest and the step's marks, in one write guarded by
   * the resourceVersion seen (retried on conflict); an object that already carries the step's mark
   * is not written again.
   *
   * @return the object's before-state: the intent's, or as found (absent when it did not exist)
   */
  private ObjectState replace(StepContext context, ObjectRef ref, Map<String, Object> manifest) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    ObjectState started = startedBefore(context, ref.kind(), ref.namespace(), ref.name());
    for (int attempt = 1; ; attempt++) {
      GenericKubernetesResource current = resource.get();
      if (current != null
          && LockstepAnnotations.markedBy(
              current.getMetadata().getAnnotations(), context.upgradeId(), context.step().id())) {
        return started != null ? started : recordedBefore(current);
      }
      ObjectState before =
          started != null
              ? started
              : current == null ? absent(ref) : ObjectMaps.stateOf(current, true);
      GenericKubernetesResource desired = Manifests.forWrite(manifest);
      Map<String, String> annotations = ObjectMaps.annotations(desired);
      annotations.putAll(marks(context, context.step().to()));
      annotations.put(LockstepAnnotations.BEFORE_STATE, toJson(ObjectMaps.compact(before)));
      try {
        if (current == null) {
          Resources.in(client, ref).resource(desired).create();
        } else {
          desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
          // Where status is no subresource, a replace would otherwise wipe what the controller
          // wrote; where it is one, the API server ignores it.
          Object status = current.getAdditionalProperties().get("status");
          if (status != null) {
            desired.getAdditionalProperties().put("status", status);
          }
          Resources.in(client, ref).resource(desired).update();
        }
        return before;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Deletes one object of a bundle, recording its before-state (the intent's, or as found). */
  private void delete(StepContext context, ObjectRef ref, List<ObjectState> before) {
    ObjectState started = startedBefore(context, ref.kind(), ref.namespace(), ref.name());
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    GenericKubernetesResource current = resource.get();
    if (current == null) {
      // Deleted by an earlier run of this step that died before its result, or never there.
      if (started != null) {
        before.add(started);
      }
      return;
    }
    before.add(started != null ? started : ObjectMaps.stateOf(current, true));
    resource.delete();
    midway.reached(context.step().id());
  }

  private Applied.Check gone(ObjectRef ref) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    return at ->
        resource.get() == null
            ? Progress.done()
            : Progress.waiting(describe(ref) + " to be deleted");
  }

  private static List<Map<String, Object>> objects(PlanStep step) {
    return step.objects() == null ? List.of() : step.objects();
  }

  /** The objects an apply step deletes: those of the old bundle that the new one lacks. */
  private static List<ObjectRef> deletions(PlanStep step) {
    return step.targets() == null ? List.of() : step.targets();
  }

  private static boolean hasRestore(PlanStep step) {
    return step.restore() != null && !step.restore().isEmpty();
  }

  private static boolean isWorkload(ObjectRef ref) {
    return WORKLOAD_KINDS.contains(ref.kind())
        && (ref.apiVersion() == null || "apps/v1".equals(ref.apiVersion()));
  }

  private static ObjectState absent(ObjectRef ref) {
    return ObjectMaps.absent(
        Resources.apiVersion(ref.apiVersion(), ref.kind()),
        ref.kind(),
        ref.namespace(),
        ref.name());
  }

  /** What a failed step reports: its intent's before-states, else what it recorded so far. */
  private static List<ObjectState> reported(StepContext context, List<ObjectState> soFar) {
    return context.startedBefore().isEmpty() ? soFar : context.startedBefore();
  }

  private static boolean transientError(KubernetesClientException e) {
    return e.getCode() == 0
        || e.getCode() >= 500
        || e.getCode() == 429
        || e.getCode() == HttpURLConnection.HTTP_CONFLICT;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  // ---- patch-resource -----------------------------------------------------------------------

  /** The custom resource a patch-resource step changes: a rollback's recorded one, or its own. */
  private static ObjectRef customResourceRef(PlanStep step) {
    if (hasRestore(step)) {
      return Manifests.refOf(step.restore().get(0));
    }
    CustomResource resource = step.customResource();
    if (resource == null) {
      throw new StepFailure("patch-resource step " + step.id() + " names no custom resource");
    }
    if (resource.apiVersion() == null || resource.kind() == null || resource.name() == null) {
      throw new StepFailure(
          "patch-resource step "
              + step.id()
              + " names its resource without apiVersion, kind or name; nothing was changed");
    }
    return new ObjectRef(
        resource.apiVersion(), resource.kind(), resource.namespace(), resource.name());
  }

  /**
   * Patches a custom resource: every {@code set} path must exist on it (otherwise nothing is
   * written), the values are merged into the object read and written back in one marked write
   * guarded by its resourceVersion; then waits until every {@code readyWhen} field has its value
   * (and the status has observed the new generation, where it reports one), failing past the
   * timeout. A rollback (with {@code restore}) puts back the recorded spec, and waits for {@code
   * readyWhen} when the step carries it.
   */
  private Applied patchResource(StepContext context, Instant now) {
    PlanStep step = context.step();
    ObjectRef ref = customResourceRef(step);
    CustomResource resource = step.customResource();
    java.util.function.Consumer<GenericKubernetesResource> change;
    if (hasRestore(step)) {
      ObjectState restore = step.restore().get(0);
      Map<String, Object> spec =
          restore.manifest() == null ? null : ObjectMaps.map(restore.manifest().get("spec"));
      if (spec == null) {
        throw new StepFailure(
            describe(ref) + " has no recorded spec to put back; nothing was changed");
      }
      change = object -> object.getAdditionalProperties().put("spec", ObjectMaps.deepCopy(spec));
    } else {
      change = object -> setFields(object, resource.set(), ref);
    }
    ObjectState before = mark(context, ref, step.to(), true, change);
    Map<String, Object> readyWhen = resource == null ? Map.of() : resource.readyWhen();
    if (readyWhen.isEmpty()) {
      return new Applied(List.of(before), null, at -> Progress.done());
    }
    Duration timeout = GoDuration.parseOr(resource.timeout(), timings.rolloutTimeout());
    String limit = resource.timeout() != null ? resource.timeout() : timeout.toString();
    return new Applied(List.of(before), null, ready(ref, readyWhen, now.plus(timeout), limit));
  }

  /** Merges the set values into the object; every path must exist, or nothing is changed. */
  private static void setFields(
      GenericKubernetesResource object, Map<String, Object> set, ObjectRef ref) {
    Map<String, Object> fields = object.getAdditionalProperties();
    List<String> missing = new ArrayList<>();
    for (String path : set.keySet()) {
      if (!FieldPaths.exists(fields, path)) {
        List<String> near = FieldPaths.keysNear(fields, path);
        missing.add(
            path
                + (near.isEmpty()
                    ? ""
                    : " (there: " + String.join(", ", near.stream().sorted().toList()) + ")"));
      }
    }
    if (!missing.isEmpty()) {
      throw new StepFailure(
          describe(ref)
              + " has no field "
              + String.join("; no field ", missing)
              + ": a set path must exist on the resource; nothing was changed");
    }
    set.forEach((path, value) -> FieldPaths.set(fields, path, ObjectMaps.deepCopy(value)));
  }

  /** Done when every readyWhen field has its value; failed past the deadline, naming them. */
  private Applied.Check ready(
      ObjectRef ref, Map<String, Object> readyWhen, Instant deadline, String limit) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    return at -> {
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        return Progress.failed(describe(ref) + " disappeared");
      }
      Map<String, Object> fields = current.getAdditionalProperties();
      List<String> seen = new ArrayList<>();
      boolean ready = true;
      for (Map.Entry<String, Object> expected : readyWhen.entrySet()) {
        String path = expected.getKey();
        Object actual = FieldPaths.get(fields, path);
        if (actual == null && !path.startsWith("status.")) {
          actual = FieldPaths.get(fields, "status." + path);
        }
        boolean matches = FieldPaths.matches(expected.getValue(), actual);
        ready &= matches;
        seen.add(path + " is " + actual + (matches ? "" : " (want " + expected.getValue() + ")"));
      }
      Long generation = current.getMetadata().getGeneration();
      Object observed = FieldPaths.get(fields, "status.observedGeneration");
      if (generation != null && observed instanceof Number n && n.longValue() < generation) {
        ready = false;
        seen.add(
            "status.observedGeneration is "
                + n
                + " (the operator has not seen generation "
                + generation
                + " yet)");
      }
      if (ready) {
        return Progress.done();
      }
      String state = String.join(", ", seen);
      if (at.isAfter(deadline)) {
        return Progress.failed(describe(ref) + " was not ready within " + limit + ": " + state);
      }
      return Progress.waiting(describe(ref) + " to be ready: " + state);
    };
  }

  // ---- the marking write --------------------------------------------------------------------

  /**
   * Changes an object and marks it with the step in one write, guarded by its resourceVersion and
   * retried on conflict; if the mark is already there, the change was made before (by this step,
   * before a crash) and is not made again.
   *
   * @return the object's before-state
   */
  private ObjectState mark(
      StepContext context,
      ObjectRef ref,
      String version,
      java.util.function.Consumer<GenericKubernetesResource> change) {
    return mark(context, ref, version, false, change);
  }

  /** Like the above; a custom resource's before-state is its whole manifest, status included. */
  private ObjectState mark(
      StepContext context,
      ObjectRef ref,
      String version,
      boolean customResource,
      java.util.function.Consumer<GenericKubernetesResource> change) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    for (int attempt = 1; ; attempt++) {
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        throw new StepFailure(describe(ref) + " does not exist");
      }
      ObjectState started =
          startedBefore(
              context,
              current.getKind(),
              current.getMetadata().getNamespace(),
              current.getMetadata().getName());
      if (LockstepAnnotations.markedBy(
          current.getMetadata().getAnnotations(), context.upgradeId(), context.step().id())) {
        return started != null ? started : recordedBefore(current);
      }
      ObjectState before =
          started != null ? started : ObjectMaps.stateOf(current, customResource, customResource);
      change.accept(current);
      Map<String, String> annotations = ObjectMaps.annotations(current);
      annotations.putAll(marks(context, version));
      annotations.put(LockstepAnnotations.BEFORE_STATE, toJson(ObjectMaps.compact(before)));
      try {
        Resources.in(client, ref).resource(current).update();
        return before;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** The before-state of an object as the step's intent recorded it, or null. */
  private static ObjectState startedBefore(
      StepContext context, String kind, String namespace, String name) {
    for (ObjectState state : context.startedBefore()) {
      if (same(state, kind, namespace, name)) {
        return state;
      }
    }
    return null;
  }

  private static Map<String, String> marks(StepContext context, String version) {
    Map<String, String> marks = new LinkedHashMap<>();
    marks.put(LockstepAnnotations.UPGRADE_ID, context.upgradeId());
    marks.put(LockstepAnnotations.STEP_ID, context.step().id());
    marks.put(LockstepAnnotations.COMPONENT, context.step().component());
    if (version != null) {
      marks.put(LockstepAnnotations.VERSION, version);
    }
    return marks;
  }

  private static ObjectState recordedBefore(GenericKubernetesResource object) {
    String json = object.getMetadata().getAnnotations().get(LockstepAnnotations.BEFORE_STATE);
    if (json == null) {
      return ObjectMaps.stateOf(object, false);
    }
    try {
      return Json.mapper().readValue(json, ObjectState.class);
    } catch (JsonProcessingException e) {
      throw new StepFailure(
          describe(object) + " carries an unreadable before-state: " + e.getOriginalMessage());
    }
  }

  private static String toJson(ObjectState state) {
    try {
      return Json.mapper().writeValueAsString(state);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a before-state", e);
    }
  }

  // ---- waits --------------------------------------------------------------------------------

  /** Done when the workload's rollout is complete; failed past its progress deadline. */
  private Applied.Check rollout(ObjectRef ref, Instant now) {
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

  /** Done when no pod of the workload is left, and then the quiet period has passed. */
  private Applied.Check podsGone(ObjectRef ref, Instant now) {
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
      return at.isBefore(goneAt[0].plus(timings.drainQuietPeriod()))
          ? Progress.waiting("quiet period after draining " + describe(ref))
          : Progress.done();
    };
  }

  private static Applied.Check all(List<Applied.Check> checks) {
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

  // ---- helpers ------------------------------------------------------------------------------

  private static WorkloadRef requireWorkload(PlanStep step) {
    if (step.workload() == null) {
      throw new StepFailure(step.action().wire() + " step " + step.id() + " names no workload");
    }
    return step.workload();
  }

  private static List<ObjectRef> targets(PlanStep step) {
    List<ObjectRef> targets = new ArrayList<>();
    if (step.targets() != null && !step.targets().isEmpty()) {
      String home = step.workload() == null ? null : step.workload().namespace();
      for (ObjectRef target : step.targets()) {
        targets.add(
            new ObjectRef(
                target.apiVersion(),
                target.kind(),
                target.namespace() == null ? home : target.namespace(),
                target.name()));
      }
    } else if (step.restore() != null && !step.restore().isEmpty()) {
      for (ObjectState state : step.restore()) {
        targets.add(
            new ObjectRef(state.apiVersion(), state.kind(), state.namespace(), state.name()));
      }
    } else if (step.workload() != null) {
      WorkloadRef w = step.workload();
      targets.add(ObjectRef.of(w.kind(), w.namespace(), w.name()));
    }
    if (targets.isEmpty()) {
      throw new StepFailure(step.action().wire() + " step " + step.id() + " names no targets");
    }
    return targets;
  }

  private static void requireScalable(ObjectRef ref) {
    if (!WORKLOAD_KINDS.contains(ref.kind()) || "DaemonSet".equals(ref.kind())) {
      throw new StepFailure(describe(ref) + " cannot be scaled");
    }
  }

  private static ObjectState restoreFor(PlanStep step, String kind, String namespace, String name) {
    if (step.restore() == null) {
      return null;
    }
    return step.restore().stream()
        .filter(state -> same(state, kind, namespace, name))
        .findFirst()
        .orElse(null);
  }

  private static boolean same(ObjectState state, String kind, String namespace, String name) {
    return state.kind().equals(kind)
        && Objects.equals(state.namespace(), namespace)
        && state.name().equals(name);
  }

  /** A deterministic name for an object a step creates, at most 63 characters. */
  static String objectName(String base, StepContext context) {
    String hash = shortHash(context.upgradeId() + "/" + context.step().id());
    String prefix = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    int room = 63 - hash.length() - 1;
    if (prefix.length() > room) {
      prefix = prefix.substring(0, room);
    }
    return prefix + "-" + hash;
  }

  private static String shortHash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String describe(ObjectRef ref) {
    return ref.kind() + " " + ref.namespace() + "/" + ref.name();
  }

  private static String describe(WorkloadRef ref) {
    return ref.kind() + " " + ref.namespace() + "/" + ref.name();
  }

  private static String describe(GenericKubernetesResource object) {
    return object.getKind()
        + " "
        + object.getMetadata().getNamespace()
        + "/"
        + object.getMetadata().getName();
  }
}
