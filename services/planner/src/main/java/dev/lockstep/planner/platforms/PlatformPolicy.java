package dev.lockstep.planner.platforms;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configured platforms ({@code lockstep.platforms.<id>.namespaces: [...]}) and the namespaces
 * the executor may touch on each. A request for a platform not configured here is rejected.
 */
public class PlatformPolicy {
  private Map<String, Map<String, List<String>>> platforms = new HashMap<>();

  /** The platforms, as configured. */
  public Map<String, Map<String, List<String>>> getPlatforms() {
    return platforms;
  }

  public void setPlatforms(Map<String, Map<String, List<String>>> platforms) {
    this.platforms = platforms == null ? new HashMap<>() : platforms;
  }

  /** A policy read from the configuration tree under {@code lockstep.platforms}. */
  @SuppressWarnings("unchecked")
  public static PlatformPolicy fromTree(Map<String, Object> tree) {
    Map<String, List<String>> namespaces = new HashMap<>();
    if (tree != null) {
      tree.forEach(
          (platform, settings) -> {
            Object ns = settings instanceof Map<?, ?> m ? m.get("namespaces") : null;
            if (ns instanceof List<?> list) {
              namespaces.put(platform, list.stream().map(String::valueOf).toList());
            } else if (ns instanceof String text) {
              namespaces.put(
                  platform,
                  java.util.Arrays.stream(text.split(","))
                      .map(String::trim)
                      .filter(t -> !t.isEmpty())
                      .toList());
            } else {
              namespaces.put(platform, List.of());
            }
          });
    }
    return of(namespaces);
  }

  /** A policy from a map of platform id to namespaces (for tests and local mode). */
  public static PlatformPolicy of(Map<String, List<String>> namespaces) {
    PlatformPolicy policy = new PlatformPolicy();
    Map<String, Map<String, List<String>>> platforms = new HashMap<>();
    namespaces.forEach((p, ns) -> platforms.put(p, Map.of("namespaces", ns)));
    policy.setPlatforms(platforms);
    return policy;
  }

  /** The allowed namespaces of a platform; empty when the platform is not configured. */
  public Optional<Set<String>> namespaces(String platform) {
    if (platform == null) {
      return Optional.empty();
    }
    Map<String, List<String>> settings = platforms.get(platform);
    if (settings == null) {
      return Optional.empty();
    }
    List<String> ns = settings.get("namespaces");
    return Optional.of(ns == null ? Set.of() : Set.copyOf(ns));
  }
}
