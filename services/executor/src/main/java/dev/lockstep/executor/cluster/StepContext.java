package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import jakarta.annotation.Nullable;
import java.util.List;

/**
 * One step as the cluster side needs it.
 *
 * @param platform the platform
 * @param upgradeId the upgrade (or rollback) the step belongs to
 * @param step the step
 * @param priorBefore before-states that earlier steps of the same component recorded
 * @param startedBefore the before-states the step's intent ({@code step.started}) recorded, read
 *     before it first acted; they are what the step reports, even when it runs again after a crash
 *     that came after a delete. Empty when its intent recorded none (a v1 event): then the
 *     before-state stamped on each object, or the object as it is, is reported
 * @param release the release the step's plan brings the platform to, stamped on what it changes
 *     ({@code lockstep.dev/release}); null when the plan names none
 * @param retry how many times the step was retried before this run ({@code step.retried}); 0 for
 *     its first try. A retried set-image restarts its rollout.
 */
public record StepContext(
    String platform,
    String upgradeId,
    PlanStep step,
    List<ObjectState> priorBefore,
    List<ObjectState> startedBefore,
    @Nullable String release,
    int retry) {
  public StepContext {
    priorBefore = List.copyOf(priorBefore);
    startedBefore = List.copyOf(startedBefore);
  }

  /** A step's first try. */
  public StepContext(
      String platform,
      String upgradeId,
      PlanStep step,
      List<ObjectState> priorBefore,
      List<ObjectState> startedBefore,
      @Nullable String release) {
    this(platform, upgradeId, step, priorBefore, startedBefore, release, 0);
  }

  /** A step of a plan that names no release. */
  public StepContext(
      String platform,
      String upgradeId,
      PlanStep step,
      List<ObjectState> priorBefore,
      List<ObjectState> startedBefore) {
    this(platform, upgradeId, step, priorBefore, startedBefore, null);
  }
}
