package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;
import static dev.lockstep.executor.cluster.StepObjects.hasRestore;

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
 * {@code apply}: a bundle of manifests (or a Helm chart the planner rendered), each object created
 * or replaced as a whole with the Lockstep marks, then the objects the new bundle drops deleted;
 * then a wait for the bundle's workloads to roll out and the deleted objects to be gone. A
 * rollback's apply (with {@code restore}) puts back each recorded manifest, re-creating what the
 * upgrade deleted, and deletes what the upgrade created.
 */
final class ApplyBundleAction implements ClusterAction {
  private final KubernetesClient client;
  private final RolloutWaits waits;
  private final ClusterSteps.Midway midway;

  ApplyBundleAction(KubernetesClient client, RolloutWaits waits, ClusterSteps.Midway midway) {
    this.client = client;
    this.waits = waits;
    this.midway = midway;
  }

  /**
   * What an apply step must be before it sends any request: every object complete (apiVersion,
   * kind, name, namespace) and no Secret (its values would travel in the step's before-states, and
   * secrets never reach events); a rollback's objects to put back with their manifest.
   */
  @Override
  public void checkShape(PlanStep step) {
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
  }

  /**
   * The before-state of every object an apply step changes: each object of the bundle (its whole
   * manifest, or absent) and each object it deletes; for a rollback, each object it puts back or
   * deletes.
   */
  @Override
  public List<ObjectState> readBefore(StepContext context) {
    PlanStep step = context.step();
    List<ObjectRef> refs = new ArrayList<>();
    if (hasRestore(step)) {
      step.restore().forEach(state -> refs.add(Manifests.refOf(state)));
    } else {
      objects(step).forEach(object -> refs.add(Manifests.refOf(object)));
    }
    List<ObjectState> before = new ArrayList<>();
    for (ObjectRef ref : refs) {
      before.add(
          StepObjects.read(client, ref, null, true).orElseGet(() -> StepObjects.absent(ref)));
    }
    if (!hasRestore(step)) {
      for (ObjectRef ref : deletions(step)) {
        StepObjects.read(client, ref, null, true).ifPresent(before::add);
      }
    }
    return before;
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
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
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    List<ObjectState> before = new ArrayList<>();
    List<Applied.Check> checks = new ArrayList<>();
    try {
      for (Map.Entry<ObjectRef, Map<String, Object>> write : writes.entrySet()) {
        ObjectRef ref = write.getKey();
        Marking.Marked marked = replace(context, ref, write.getValue());
        outcome = outcome.and(marked.outcome());
        before.add(marked.before());
        midway.reached(step.id());
        if (isWorkload(ref)) {
          checks.add(waits.rollout(ref, now));
        }
      }
      for (ObjectRef ref : deletes) {
        outcome = outcome.and(delete(context, ref, before));
        checks.add(waits.gone(ref));
      }
    } catch (KubernetesClientException e) {
      if (transientError(e)) {
        throw e;
      }
      throw new StepFailure(
          "the API server refused the change: " + firstLine(e.getMessage()),
          reported(context, before));
    }
    return new Applied(outcome, reported(context, before), null, RolloutWaits.all(checks));
  }

  /**
   * Creates or replaces one object with its manifest and the step's marks, in one write guarded by
   * the resourceVersion seen (retried on conflict); an object that already carries the step's mark
   * is not written again.
   *
   * @return the object's before-state (the intent's, or as found: absent when it did not exist) and
   *     whether it was created, replaced or found marked
   */
  private Marking.Marked replace(StepContext context, ObjectRef ref, Map<String, Object> manifest) {
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    ObjectState started = Marking.startedBefore(context, ref.kind(), ref.namespace(), ref.name());
    for (int attempt = 1; ; attempt++) {
      GenericKubernetesResource current = resource.get();
      if (current != null && Marking.markedByStep(current, context)) {
        return new Marking.Marked(
            started != null ? started : Marking.recordedBefore(current), Applied.Outcome.UNCHANGED);
      }
      ObjectState before =
          started != null
              ? started
              : current == null ? StepObjects.absent(ref) : ObjectMaps.stateOf(current, true);
      GenericKubernetesResource desired = Manifests.forWrite(manifest);
      Map<String, String> annotations = ObjectMaps.annotations(desired);
      annotations.putAll(Marking.marks(context, context.step().to()));
      annotations.put(LockstepAnnotations.BEFORE_STATE, Marking.toJson(ObjectMaps.compact(before)));
      try {
        if (current == null) {
          Resources.in(client, ref).resource(desired).create();
          return new Marking.Marked(before, Applied.Outcome.CREATED);
        }
        desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
        // Where status is no subresource, a replace would otherwise wipe what the controller
        // wrote; where it is one, the API server ignores it.
        Object status = current.getAdditionalProperties().get("status");
        if (status != null) {
          desired.getAdditionalProperties().put("status", status);
        }
        Resources.in(client, ref).resource(desired).update();
        return new Marking.Marked(before, Applied.Outcome.CHANGED);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            || attempt >= Marking.CONFLICT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Deletes one object of a bundle, recording its before-state (the intent's, or as found). */
  private Applied.Outcome delete(StepContext context, ObjectRef ref, List<ObjectState> before) {
    ObjectState started = Marking.startedBefore(context, ref.kind(), ref.namespace(), ref.name());
    Resource<GenericKubernetesResource> resource = Resources.of(client, ref, null);
    GenericKubernetesResource current = resource.get();
    if (current == null) {
      // Deleted by an earlier run of this step that died before its result, or never there.
      if (started != null) {
        before.add(started);
      }
      return Applied.Outcome.UNCHANGED;
    }
    before.add(started != null ? started : ObjectMaps.stateOf(current, true));
    resource.delete();
    midway.reached(context.step().id());
    return Applied.Outcome.CHANGED;
  }

  private static List<Map<String, Object>> objects(PlanStep step) {
    return step.objects() == null ? List.of() : step.objects();
  }

  /** The objects an apply step deletes: those of the old bundle that the new one lacks. */
  private static List<ObjectRef> deletions(PlanStep step) {
    return step.targets() == null ? List.of() : step.targets();
  }

  private static boolean isWorkload(ObjectRef ref) {
    return WorkloadRef.KINDS.contains(ref.kind())
        && (ref.apiVersion() == null || "apps/v1".equals(ref.apiVersion()));
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
}
