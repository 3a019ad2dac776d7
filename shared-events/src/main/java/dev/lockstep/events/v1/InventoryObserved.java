package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * {@code inventory.observed}: what runs on a platform.
 *
 * @param platform the platform
 * @param observedAt when it was read from the cluster
 * @param components the components found
 * @param release since v2: the release the platform runs, when every component's workloads declare
 *     the same one ({@code lockstep.dev/release}); null when none or not all do, or they disagree
 */
public record InventoryObserved(
    String platform,
    Instant observedAt,
    List<InventoryComponent> components,
    @Nullable String release)
    implements EventPayload {
  public InventoryObserved {
    components = List.copyOf(components);
  }

  /** An inventory that names no release. */
  public InventoryObserved(
      String platform, Instant observedAt, List<InventoryComponent> components) {
    this(platform, observedAt, components, null);
  }
}
