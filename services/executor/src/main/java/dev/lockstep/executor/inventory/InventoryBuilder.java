package dev.lockstep.executor.inventory;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObservedWorkload;
import dev.lockstep.executor.cluster.LockstepAnnotations;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the workloads seen on a platform into its inventory: workloads are grouped into components
 * by the {@code lockstep.dev/component} annotation (else the {@code app.kubernetes.io/name} label,
 * else their name); a component's version is its {@code lockstep.dev/version} annotation (else the
 * {@code app.kubernetes.io/version} label, else the image tag); the platform's release is the one
 * every workload declares.
 */
public final class InventoryBuilder {
  private InventoryBuilder() {}

  /**
   * One workload as read from the cluster.
   *
   * @param workload what the inventory reports of it
   * @param labels its labels
   */
  public record Seen(ObservedWorkload workload, Map<String, String> labels) {}

  /** The inventory of a platform from the workloads seen on it. */
  public static InventoryObserved build(String platform, List<Seen> seen, Instant observedAt) {
    Map<String, List<Seen>> byComponent = new TreeMap<>();
    for (Seen item : seen) {
      byComponent.computeIfAbsent(componentOf(item), c -> new ArrayList<>()).add(item);
    }
    List<InventoryComponent> components = new ArrayList<>();
    byComponent.forEach(
        (name, items) -> {
          Seen first = items.get(0);
          Map<String, String> annotations = first.workload().annotations();
          components.add(
              new InventoryComponent(
                  name,
                  annotations.get(LockstepAnnotations.LAYER),
                  versionOf(first),
                  requiresOf(annotations.get(LockstepAnnotations.REQUIRES)),
                  items.stream().map(Seen::workload).toList()));
        });
    return new InventoryObserved(platform, observedAt, components, releaseOf(seen));
  }

  /**
   * The release every workload declares ({@code lockstep.dev/release}); null when one declares none
   * or they disagree (a platform part-way through a change, or one whose owner declares nothing).
   */
  static String releaseOf(List<Seen> seen) {
    String release = null;
    for (Seen item : seen) {
      String declared = item.workload().annotations().get(LockstepAnnotations.RELEASE);
      if (declared == null || (release != null && !release.equals(declared))) {
        return null;
      }
      release = declared;
    }
    return release;
  }

  static String componentOf(Seen item) {
    String annotated = item.workload().annotations().get(LockstepAnnotations.COMPONENT);
    if (annotated != null) {
      return annotated;
    }
    String label = item.labels().get("app.kubernetes.io/name");
    return label != null ? label : item.workload().name();
  }

  static String versionOf(Seen item) {
    String annotated = item.workload().annotations().get(LockstepAnnotations.VERSION);
    if (annotated != null) {
      return annotated;
    }
    String label = item.labels().get("app.kubernetes.io/version");
    if (label != null) {
      return label;
    }
    for (String image : item.workload().images().values()) {
      int at = image.indexOf('@');
      String reference = at < 0 ? image : image.substring(0, at);
      int colon = reference.lastIndexOf(':');
      if (colon > reference.lastIndexOf('/')) {
        return reference.substring(colon + 1);
      }
    }
    return "unknown";
  }

  static Map<String, String> requiresOf(String json) {
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    try {
      return Json.mapper().readValue(json, new TypeReference<Map<String, String>>() {});
    } catch (Exception e) {
      return Map.of();
    }
  }
}
