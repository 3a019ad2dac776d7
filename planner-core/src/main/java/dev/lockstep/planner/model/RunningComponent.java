package dev.lockstep.planner.model;

import dev.lockstep.manifest.ObjectRef;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * A component as it runs on a platform: what the planner plans from. It comes from the inventory,
 * or from the {@code current} of a preview request.
 *
 * @param name the component
 * @param layer its layer, when known
 * @param version the running version
 * @param requires its requirements at that version
 * @param objects the cluster objects that make it up (removed when the release drops it)
 */
public record RunningComponent(
    String name,
    @Nullable String layer,
    String version,
    Map<String, String> requires,
    List<ObjectRef> objects) {
  public RunningComponent {
    requires = requires == null ? Map.of() : Map.copyOf(requires);
    objects = objects == null ? List.of() : List.copyOf(objects);
  }
}
