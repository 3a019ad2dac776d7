package dev.lockstep.executor.cluster;

import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;

/**
 * Kubernetes objects as a plan carries them (maps: a bundle's objects, a recorded manifest), read
 * and turned into what is written.
 */
final class Manifests {
  private Manifests() {}

  /** The object a manifest names; parts it lacks are null. */
  static ObjectRef refOf(Map<String, Object> manifest) {
    Map<String, Object> metadata = ObjectMaps.map(manifest.get("metadata"));
    return new ObjectRef(
        text(manifest.get("apiVersion")),
        text(manifest.get("kind")),
        metadata == null ? null : text(metadata.get("namespace")),
        metadata == null ? null : text(metadata.get("name")));
  }

  /** The object a before-state describes. */
  static ObjectRef refOf(ObjectState state) {
    return new ObjectRef(state.apiVersion(), state.kind(), state.namespace(), state.name());
  }

  /**
   * The manifest as an object to create or replace: a copy without the fields the API server owns
   * (resource version, uid, timestamps, generation, managed fields, status).
   */
  static GenericKubernetesResource forWrite(Map<String, Object> manifest) {
    GenericKubernetesResource object =
        Json.mapper().convertValue(ObjectMaps.deepCopy(manifest), GenericKubernetesResource.class);
    ObjectMeta metadata = object.getMetadata() == null ? new ObjectMeta() : object.getMetadata();
    metadata.setResourceVersion(null);
    metadata.setUid(null);
    metadata.setCreationTimestamp(null);
    metadata.setDeletionTimestamp(null);
    metadata.setDeletionGracePeriodSeconds(null);
    metadata.setGeneration(null);
    metadata.setManagedFields(null);
    metadata.setSelfLink(null);
    object.setMetadata(metadata);
    object.getAdditionalProperties().remove("status");
    return object;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
