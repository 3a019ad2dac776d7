package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.manifest.ObjectRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code restore-replicas}: each target's replicas back to those of {@code restore} or of the
 * drain's recorded before-state, then a wait for the rollout.
 */
final class RestoreReplicasAction implements ClusterAction {
  private final KubernetesClient client;
  private final Marking marking;
  private final RolloutWaits waits;

  RestoreReplicasAction(KubernetesClient client, Marking marking, RolloutWaits waits) {
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
      Integer replicas = recordedReplicas(context, target);
      if (replicas == null) {
        throw new StepFailure(
            "no recorded replicas for "
                + target.kind()
                + " "
                + target.namespace()
                + "/"
                + target.name()
                + " (neither in the step nor from an earlier drain)",
            before);
      }
      Marking.Marked marked =
          marking.mark(
              context, target, null, object -> ObjectMaps.spec(object).put("replicas", replicas));
      outcome = outcome.and(marked.outcome());
      before.add(marked.before());
      checks.add(waits.rollout(target, now));
    }
    return new Applied(outcome, before, null, RolloutWaits.all(checks));
  }

  private static Integer recordedReplicas(StepContext context, ObjectRef target) {
    ObjectState restore =
        StepObjects.restoreFor(context.step(), target.kind(), target.namespace(), target.name());
    if (restore != null && restore.replicas() != null) {
      return restore.replicas();
    }
    Integer found = null;
    for (ObjectState state : context.priorBefore()) {
      if (StepObjects.same(state, target.kind(), target.namespace(), target.name())
          && state.replicas() != null
          && state.replicas() > 0) {
        found = state.replicas();
        break;
      }
    }
    return found;
  }
}
