package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code drain}: each target's replicas to 0, then a wait until the workload's pods are gone and
 * the drain's quiet period has passed.
 */
final class DrainAction implements ClusterAction {
  private final KubernetesClient client;
  private final Marking marking;
  private final RolloutWaits waits;

  DrainAction(KubernetesClient client, Marking marking, RolloutWaits waits) {
    this.client = client;
    this.marking = marking;
    this.waits = waits;
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    return Scaling.readTargets(client, context);
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    List<ObjectRef> targets = StepObjects.targets(context.step());
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    List<ObjectState> before = new ArrayList<>();
    List<Applied.Check> checks = new ArrayList<>();
    for (ObjectRef target : targets) {
      Scaling.requireScalable(target);
      Marking.Marked marked =
          marking.mark(context, target, null, object -> ObjectMaps.spec(object).put("replicas", 0));
      outcome = outcome.and(marked.outcome());
      before.add(marked.before());
      checks.add(waits.podsGone(target, now));
    }
    return new Applied(outcome, before, null, RolloutWaits.all(checks));
  }
}
