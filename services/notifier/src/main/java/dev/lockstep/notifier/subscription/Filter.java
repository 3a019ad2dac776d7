package dev.lockstep.notifier.subscription;

import java.util.Collection;
import java.util.List;

/**
 * What a team wants to hear about. An empty list matches anything. Platforms match exactly or by a
 * trailing {@code *} ({@code dataos-*}). Layers and components match when the upgrade touches one
 * of them; a notice whose upgrade is unknown to the notifier (no plan seen) passes them, so that a
 * team is never left out for lack of information.
 *
 * @param platforms platform ids or prefixes ending in {@code *}
 * @param eventTypes short event types ({@code upgrade.started}, {@code upgrade.upcoming})
 * @param minSeverity the least severity wanted
 * @param layers layers of interest
 * @param components components of interest
 */
public record Filter(
    List<String> platforms,
    List<String> eventTypes,
    Severity minSeverity,
    List<String> layers,
    List<String> components) {

  public Filter {
    platforms = platforms == null ? List.of() : List.copyOf(platforms);
    eventTypes = eventTypes == null ? List.of() : List.copyOf(eventTypes);
    minSeverity = minSeverity == null ? Severity.INFO : minSeverity;
    layers = layers == null ? List.of() : List.copyOf(layers);
    components = components == null ? List.of() : List.copyOf(components);
  }

  /** A filter that matches everything. */
  public static Filter everything() {
    return new Filter(List.of(), List.of(), Severity.INFO, List.of(), List.of());
  }

  /**
   * True when a notice with these properties is wanted.
   *
   * @param touchedLayers the upgrade's layers, or null when unknown
   * @param touchedComponents the upgrade's components, or null when unknown
   */
  public boolean matches(
      String platform,
      String eventType,
      Severity severity,
      Collection<String> touchedLayers,
      Collection<String> touchedComponents) {
    if (severity.compareTo(minSeverity) < 0) {
      return false;
    }
    if (!eventTypes.isEmpty() && !eventTypes.contains(eventType)) {
      return false;
    }
    if (!platforms.isEmpty() && platforms.stream().noneMatch(p -> platformMatches(p, platform))) {
      return false;
    }
    if (!layers.isEmpty()
        && touchedLayers != null
        && touchedLayers.stream().noneMatch(layers::contains)) {
      return false;
    }
    return components.isEmpty()
        || touchedComponents == null
        || touchedComponents.stream().anyMatch(components::contains);
  }

  private static boolean platformMatches(String pattern, String platform) {
    if (pattern.endsWith("*")) {
      return platform.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return pattern.equals(platform);
  }
}
