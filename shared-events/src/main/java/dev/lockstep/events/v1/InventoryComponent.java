package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * A component running on a platform.
 *
 * @param name the component
 * @param layer its layer, when known
 * @param version the version that runs
 * @param requires its requirements, as its release declared them
 * @param workloads the workloads that make it up
 */
public record InventoryComponent(
    String name,
    @Nullable String layer,
    String version,
    Map<String, String> requires,
    List<ObservedWorkload> workloads) {
  public InventoryComponent {
    requires = Map.copyOf(requires);
    workloads = List.copyOf(workloads);
  }
}
