package dev.lockstep.planner.platforms;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.planner.rollback.RollbackRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a rollback is planned from, read out of the planner's state: the layers and the gates of the
 * plan rolled back, what runs, the steps that last changed each component, and the plan steps that
 * delivered them. {@code RollbackPlanner} then plans from this alone.
 */
final class RollbackInputs {
  private RollbackInputs() {}

  /**
   * The request for the rollback {@code id} of the upgrade {@code of}, whose recorded steps are
   * {@code history}.
   */
  static RollbackRequest of(
      PlannerState state, String id, UpgradeRecord of, List<StepOutcome> history) {
    String platform = of.platform;
    Plan failedPlan = of.plan;
    List<String> layers = new ArrayList<>();
    Map<String, String> layerOf = new HashMap<>();
    if (failedPlan != null) {
      for (Wave w : failedPlan.waves()) {
        if (!layers.contains(w.layer())) {
          layers.add(w.layer());
        }
      }
      for (VersionChange v : failedPlan.versions()) {
        if (v.layer() != null) {
          layerOf.put(v.component(), v.layer());
        }
      }
    }
    if (of.request != null && of.request.release() != null && of.request.release().spec() != null) {
      layers = new ArrayList<>(of.request.release().layers());
    }
    return new RollbackRequest(
        id,
        of.upgradeId,
        platform,
        history,
        state.inventory(platform),
        layers,
        layerOf,
        state.lastChanges(platform, of.upgradeId),
        state.requiresAt(),
        failedPlan == null ? null : failedPlan.toRelease(),
        failedPlan == null ? null : failedPlan.fromRelease(),
        failedPlan == null
            ? List.of()
            : failedPlan.waves().stream().flatMap(w -> w.gates().stream()).toList(),
        deliveries(state, platform, of, history));
  }

  /**
   * Per component a rollback may touch, the plan step that delivered it: from the plan rolled back
   * for the components of its history, from earlier upgrades for the dependency closure.
   */
  private static Map<String, PlanStep> deliveries(
      PlannerState state, String platform, UpgradeRecord of, List<StepOutcome> history) {
    Map<String, PlanStep> deliveries = new HashMap<>(state.lastDeliveries(platform, of.upgradeId));
    for (StepOutcome o : history) {
      state
          .step(of.upgradeId, o.stepId())
          .filter(
              st ->
                  st.action() == StepAction.SET_IMAGE
                      || st.action() == StepAction.APPLY
                      || st.action() == StepAction.PATCH_RESOURCE)
          .ifPresent(st -> deliveries.put(o.component(), st));
    }
    return deliveries;
  }
}
