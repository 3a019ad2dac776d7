package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.time.Instant;
import java.util.List;

/**
 * {@code inventory.observed}: what runs on a platform.
 *
 * @param platform the platform
 * @param observedAt when it was read from the cluster
 * @param components the components found
 */
public record InventoryObserved(
    String platform, Instant observedAt, List<InventoryComponent> components)
    implements EventPayload {
  public InventoryObserved {
    components = List.copyOf(components);
  }
}
