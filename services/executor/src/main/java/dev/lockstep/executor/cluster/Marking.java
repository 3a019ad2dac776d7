package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The marking write: a change and the Lockstep annotations (upgrade id, step id, component, version
 * and the before-state) in one write, guarded by the object's resourceVersion and retried on
 * conflict. An object that already carries the step's mark was changed by this step before a crash
 * and is not written again; its before-state is the one the intent or the mark recorded.
 */
final class Marking {
  /** How often a write guarded by a resourceVersion is tried when the object keeps changing. */
  static final int CONFLICT_ATTEMPTS = 8;

  private final KubernetesClient client;

  Marking(KubernetesClient client) {
    this.client = client;
  }

  /**
   * The result of one marking write.
   *
   * @param before the object's before-state
   * @param outcome {@code CHANGED} when written, {@code UNCHANGED} when the mark was found
   */
  record Marked(ObjectState before, Applied.Outcome outcome) {}

  /** Changes an existing object and marks it with the step; see the class comment. */
  Marked mark(
      StepContext context,
      ObjectRef ref,
      String version,
      Consumer<GenericKubernetesResource> change) {
    return mark(context, ref, version, false, change);
  }

  /** Like the above; a custom resource's before-state is its whole manifest, status included. */
  Marked mark(
      StepContext context,
      ObjectRef ref,
      String version,
      boolean customResource,
      Consumer<GenericKubernetesResource> change) {
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
        return new Marked(
            started != null ? started : recordedBefore(current), Applied.Outcome.UNCHANGED);
      }
      ObjectState before =
          started != null ? started : ObjectMaps.stateOf(current, customResource, customResource);
      change.accept(current);
      Map<String, String> annotations = ObjectMaps.annotations(current);
      annotations.putAll(marks(context, version));
      annotations.put(LockstepAnnotations.BEFORE_STATE, toJson(ObjectMaps.compact(before)));
      try {
        Resources.in(client, ref).resource(current).update();
        return new Marked(before, Applied.Outcome.CHANGED);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** The before-state of an object as the step's intent recorded it, or null. */
  static ObjectState startedBefore(
      StepContext context, String kind, String namespace, String name) {
    for (ObjectState state : context.startedBefore()) {
      if (StepObjects.same(state, kind, namespace, name)) {
        return state;
      }
    }
    return null;
  }

  /** True when the object carries the mark of this step of this upgrade. */
  static boolean markedByStep(GenericKubernetesResource object, StepContext context) {
    return LockstepAnnotations.markedBy(
        object.getMetadata().getAnnotations(), context.upgradeId(), context.step().id());
  }

  /** The Lockstep annotations of the step (without the before-state). */
  static Map<String, String> marks(StepContext context, String version) {
    Map<String, String> marks = new LinkedHashMap<>();
    marks.put(LockstepAnnotations.UPGRADE_ID, context.upgradeId());
    marks.put(LockstepAnnotations.STEP_ID, context.step().id());
    marks.put(LockstepAnnotations.COMPONENT, context.step().component());
    if (version != null) {
      marks.put(LockstepAnnotations.VERSION, version);
    }
    if (context.release() != null) {
      marks.put(LockstepAnnotations.RELEASE, context.release());
    }
    return marks;
  }

  /** The before-state a marked object carries, or the object as it is when it carries none. */
  static ObjectState recordedBefore(GenericKubernetesResource object) {
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

  /** A before-state as the JSON of the before-state annotation. */
  static String toJson(ObjectState state) {
    try {
      return Json.mapper().writeValueAsString(state);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a before-state", e);
    }
  }
}
