package dev.lockstep.planner.bundles;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Delivery;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The objects that each bundle-delivered component of a release applies (its {@code manifests}, or
 * its chart rendered), and every problem found getting them. Made at the planner's edge by {@link
 * BundleResolver}, so that planning itself stays a pure function of its inputs.
 *
 * @param objects component name to the complete objects it applies
 * @param errors charts that did not render, rendered objects that are incomplete
 */
public record Bundles(Map<String, List<Map<String, Object>>> objects, List<ErrorDetail> errors) {
  public Bundles {
    objects = Map.copyOf(objects);
    errors = List.copyOf(errors);
  }

  /**
   * The bundles of a release whose charts are not rendered: inline manifests only; each chart is an
   * error.
   */
  public static Bundles inline(Release release, String base) {
    return new BundleResolver(ChartRenderer.NONE).resolve(release, base);
  }

  /** The objects a component applies, if it applies a bundle. */
  public Optional<List<Map<String, Object>>> of(Component component) {
    List<Map<String, Object>> found = objects.get(component.name());
    if (found == null && component.delivery() == Delivery.MANIFESTS) {
      found = component.manifests();
    }
    return Optional.ofNullable(found);
  }

  /** The reference of an object of a bundle. */
  public static ObjectRef ref(Map<String, Object> object) {
    Map<?, ?> metadata = object.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
    return new ObjectRef(
        text(object.get("apiVersion")),
        text(object.get("kind")),
        text(metadata.get("namespace")),
        text(metadata.get("name")));
  }

  /** True when two references name the same object (the API version may differ). */
  public static boolean same(ObjectRef a, ObjectRef b) {
    return Objects.equals(a.kind(), b.kind())
        && Objects.equals(a.namespace(), b.namespace())
        && Objects.equals(a.name(), b.name());
  }

  /** The objects of {@code before} that {@code after} lacks, by reference. */
  public static List<ObjectRef> dropped(
      List<Map<String, Object>> before, List<Map<String, Object>> after) {
    List<ObjectRef> kept = after.stream().map(Bundles::ref).toList();
    List<ObjectRef> dropped = new ArrayList<>();
    for (Map<String, Object> object : before) {
      ObjectRef ref = ref(object);
      if (kept.stream().noneMatch(k -> same(k, ref))
          && dropped.stream().noneMatch(d -> same(d, ref))) {
        dropped.add(ref);
      }
    }
    return dropped;
  }

  /** The value at a dotted path of an object ({@code spec.version}), if every step of it exists. */
  public static Optional<Object> at(Map<String, Object> object, String path) {
    Object current = object;
    for (String part : path.split("\\.", -1)) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(part)) {
        return Optional.empty();
      }
      current = map.get(part);
    }
    return Optional.ofNullable(current);
  }

  /**
   * The object as a bundle holds it: without what the API server owns (resource version, uid,
   * timestamps, generation, managed fields, status).
   */
  public static Map<String, Object> withoutServerFields(Map<String, Object> object) {
    Map<String, Object> copy = new LinkedHashMap<>(object);
    copy.remove("status");
    if (copy.get("metadata") instanceof Map<?, ?> metadata) {
      Map<String, Object> meta = new LinkedHashMap<>();
      metadata.forEach((k, v) -> meta.put(String.valueOf(k), v));
      for (String field :
          List.of(
              "resourceVersion",
              "uid",
              "creationTimestamp",
              "deletionTimestamp",
              "deletionGracePeriodSeconds",
              "generation",
              "managedFields",
              "selfLink")) {
        meta.remove(field);
      }
      copy.put("metadata", meta);
    }
    return copy;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }
}
