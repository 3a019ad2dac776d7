package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code drain}: each target's replicas to 0, then a wait until the workload's pods are gone; then,
 * when the step names a {@code quiet} wait, until the listed components' logs have been silent for
 * its period ({@link QuietLogs}), otherwise the configured quiet period. A drain with a quiet wait
 * and no targets only waits.
 */
final class DrainAction implements ClusterAction {
  private final KubernetesClient client;
  private final Marking marking;
  private final RolloutWaits waits;
  private final QuietLogs quietLogs;

  DrainAction(KubernetesClient client, Marking marking, RolloutWaits waits) {
    this.client = client;
    this.marking = marking;
    this.waits = waits;
    this.quietLogs = new QuietLogs(client);
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    return waitsOnly(context.step()) ? List.of() : Scaling.readTargets(client, context);
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    List<ObjectRef> targets =
        waitsOnly(context.step()) ? List.of() : StepObjects.targets(context.step());
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    List<ObjectState> before = new ArrayList<>();
    List<Applied.Check> checks = new ArrayList<>();
    QuietWait quiet = context.step().quiet();
    for (ObjectRef target : targets) {
      Scaling.requireScalable(target);
      Marking.Marked marked =
          marking.mark(context, target, null, object -> ObjectMaps.spec(object).put("replicas", 0));
      outcome = outcome.and(marked.outcome());
      before.add(marked.before());
      checks.add(waits.podsGone(target, now, quiet == null));
    }
    if (quiet != null) {
      checks.add(quietLogs.quiet(quiet));
    }
    return new Applied(outcome, before, null, RolloutWaits.all(checks));
  }

  /** A drain that scales nothing and only waits for quiet (a component that drains nothing). */
  private static boolean waitsOnly(PlanStep step) {
    return step.quiet() != null
        && (step.targets() == null || step.targets().isEmpty())
        && step.workload() == null
        && !StepObjects.hasRestore(step);
  }
}
