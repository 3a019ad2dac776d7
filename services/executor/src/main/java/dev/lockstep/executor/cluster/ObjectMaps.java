package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and changing the fields of generic Kubernetes objects that Lockstep cares about. */
final class ObjectMaps {
  private ObjectMaps() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value) {
    return value instanceof List<?> l ? (List<Object>) l : List.of();
  }

  static Map<String, Object> spec(GenericKubernetesResource object) {
    Map<String, Object> spec = map(object.getAdditionalProperties().get("spec"));
    if (spec == null) {
      spec = new LinkedHashMap<>();
      object.getAdditionalProperties().put("spec", spec);
    }
    return spec;
  }

  static Map<String, Object> status(GenericKubernetesResource object) {
    Map<String, Object> status = map(object.getAdditionalProperties().get("status"));
    return status == null ? Map.of() : status;
  }

  static int intAt(Map<String, Object> map, String key) {
    Object value = map.get(key);
    return value instanceof Number n ? n.intValue() : 0;
  }

  static List<Map<String, Object>> containers(GenericKubernetesResource object) {
    Map<String, Object> template = map(spec(object).get("template"));
    Map<String, Object> podSpec = template == null ? null : map(template.get("spec"));
    List<Map<String, Object>> containers = new ArrayList<>();
    if (podSpec != null) {
      for (Object container : list(podSpec.get("containers"))) {
        Map<String, Object> c = map(container);
        if (c != null) {
          containers.add(c);
        }
      }
    }
    return containers;
  }

  static Map<String, String> images(GenericKubernetesResource object) {
    Map<String, String> images = new LinkedHashMap<>();
    for (Map<String, Object> container : containers(object)) {
      images.put(String.valueOf(container.get("name")), String.valueOf(container.get("image")));
    }
    return images;
  }

  /** {@code spec.replicas}; null for kinds without it (DaemonSet). */
  static Integer replicas(GenericKubernetesResource object) {
    if ("DaemonSet".equals(object.getKind())) {
      return null;
    }
    Object value = spec(object).get("replicas");
    return value instanceof Number n ? n.intValue() : 1;
  }

  static Map<String, String> annotations(GenericKubernetesResource object) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    if (annotations == null) {
      annotations = new LinkedHashMap<>();
      object.getMetadata().setAnnotations(annotations);
    }
    return annotations;
  }

  /** The before-state of an object as it is now; its manifest leaves out the status. */
  static ObjectState stateOf(GenericKubernetesResource object, boolean withManifest) {
    return stateOf(object, withManifest, false);
  }

  /**
   * The before-state of an object as it is now. A custom resource's recorded manifest keeps its
   * status too ({@code withStatus}): it is never written back, but it tells a rollback what the
   * operator reported for the old version.
   */
  static ObjectState stateOf(
      GenericKubernetesResource object, boolean withManifest, boolean withStatus) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    boolean workload = Resources.apiVersion(null, "Deployment").equals(object.getApiVersion());
    Map<String, Object> manifest = null;
    if (withManifest) {
      manifest = new LinkedHashMap<>();
      manifest.put("apiVersion", object.getApiVersion());
      manifest.put("kind", object.getKind());
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("name", object.getMetadata().getName());
      metadata.put("namespace", object.getMetadata().getNamespace());
      if (object.getMetadata().getLabels() != null) {
        metadata.put("labels", object.getMetadata().getLabels());
      }
      metadata.put("annotations", LockstepAnnotations.recordable(annotations));
      manifest.put("metadata", metadata);
      // Copied: the object may be changed after this is taken.
      for (Map.Entry<String, Object> field : object.getAdditionalProperties().entrySet()) {
        if ((withStatus || !"status".equals(field.getKey())) && field.getValue() != null) {
          manifest.put(field.getKey(), deepCopy(field.getValue()));
        }
      }
    }
    return new ObjectState(
        object.getApiVersion(),
        object.getKind(),
        object.getMetadata().getNamespace(),
        object.getMetadata().getName(),
        true,
        object.getMetadata().getResourceVersion(),
        workload ? images(object) : null,
        workload ? replicas(object) : null,
        annotations == null ? null : annotations.get(LockstepAnnotations.VERSION),
        LockstepAnnotations.recordable(annotations),
        manifest);
  }

  /** The state of an object that does not exist: a rollback deletes what the step creates. */
  static ObjectState absent(String apiVersion, String kind, String namespace, String name) {
    return new ObjectState(
        apiVersion, kind, namespace, name, false, null, null, null, null, null, null);
  }

  /** A before-state without its manifest, small enough for an annotation. */
  static ObjectState compact(ObjectState state) {
    if (state.manifest() == null) {
      return state;
    }
    return new ObjectState(
        state.apiVersion(),
        state.kind(),
        state.namespace(),
        state.name(),
        state.exists(),
        state.resourceVersion(),
        state.images(),
        state.replicas(),
        state.version(),
        state.annotations(),
        null);
  }

  /** A deep copy of a JSON-like value (maps, lists, scalars). */
  static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> copy = new LinkedHashMap<>();
      m.forEach((key, item) -> copy.put(String.valueOf(key), deepCopy(item)));
      return copy;
    }
    if (value instanceof List<?> l) {
      List<Object> copy = new ArrayList<>(l.size());
      l.forEach(item -> copy.add(deepCopy(item)));
      return copy;
    }
    return value;
  }
}
