package dev.lockstep.planner.rollback;

import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.planner.model.RunningComponent;
import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * Everything a rollback plan depends on.
 *
 * @param upgradeId the rollback's own id
 * @param rollbackOf the upgrade it rolls back
 * @param platform the platform
 * @param history the steps of that upgrade that changed the cluster, in the order they ran, with
 *     their before-states
 * @param inventory what runs now
 * @param layers the layers, bottom to top
 * @param layerOf a component's layer where the inventory does not say (the failed plan's table)
 * @param earlier for the dependency closure: a component's steps in the upgrade that last changed
 *     it, for components outside {@code history}
 * @param requiresAt the requirements a component has at a version, where known
 * @param fromRelease the release the platform runs now, if known
 * @param toRelease the release it returns to, if known
 * @param verification the gates of the upgrade rolled back, from which the rollback takes those
 *     that verify the platform once everything is restored
 * @param deliveries per component rolled back, the plan step that delivered it (its {@code
 *     set-image}, {@code apply} or {@code patch-resource}), where the plan is known: a custom
 *     resource is patched back on the fields that step set, and waited on until its status is back
 */
public record RollbackRequest(
    String upgradeId,
    String rollbackOf,
    String platform,
    List<StepOutcome> history,
    List<RunningComponent> inventory,
    List<String> layers,
    Map<String, String> layerOf,
    Map<String, List<StepOutcome>> earlier,
    Map<String, Map<String, String>> requiresAt,
    @Nullable String fromRelease,
    @Nullable String toRelease,
    List<PlannedGate> verification,
    Map<String, PlanStep> deliveries) {
  public RollbackRequest {
    deliveries = deliveries == null ? Map.of() : Map.copyOf(deliveries);
    verification = List.copyOf(verification);
    history = List.copyOf(history);
    inventory = List.copyOf(inventory);
    layers = List.copyOf(layers);
    layerOf = Map.copyOf(layerOf);
    earlier = Map.copyOf(earlier);
    requiresAt = Map.copyOf(requiresAt);
  }

  /** A request that knows none of the steps that delivered the components. */
  public RollbackRequest(
      String upgradeId,
      String rollbackOf,
      String platform,
      List<StepOutcome> history,
      List<RunningComponent> inventory,
      List<String> layers,
      Map<String, String> layerOf,
      Map<String, List<StepOutcome>> earlier,
      Map<String, Map<String, String>> requiresAt,
      @Nullable String fromRelease,
      @Nullable String toRelease,
      List<PlannedGate> verification) {
    this(
        upgradeId,
        rollbackOf,
        platform,
        history,
        inventory,
        layers,
        layerOf,
        earlier,
        requiresAt,
        fromRelease,
        toRelease,
        verification,
        Map.of());
  }

  /** The key of {@link #requiresAt}: component and version. */
  public static String at(String component, String version) {
    return component + "@" + version;
  }
}
