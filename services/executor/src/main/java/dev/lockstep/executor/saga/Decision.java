package dev.lockstep.executor.saga;

import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * What the saga decides to do next. Every decision but {@link RunStep} is an event to publish; a
 * {@link RunStep} records its intent ({@code step.started}) and then acts on the cluster.
 */
public sealed interface Decision {

  /** Publish {@code upgrade.started}. */
  record Start() implements Decision {}

  /**
   * Run a step on the cluster.
   *
   * @param step the step
   * @param wave its wave
   * @param attempt the attempt number its {@code step.started} carries
   * @param priorBefore before-states recorded by earlier steps of the same upgrade (a
   *     restore-replicas step puts back what its drain recorded)
   * @param startedBefore the before-states that the step's first {@code step.started} recorded, for
   *     a step run again after a crash (they are not read again: the step may have changed or
   *     deleted the objects since); null for a step that has not started, whose before-states are
   *     read from the cluster before its intent is published
   * @param retry how many times the step failed and was retried ({@code step.retried}) before this
   *     run: 0 for its first try; a retried rollout is restarted, as {@code kubectl rollout
   *     restart} does
   */
  record RunStep(
      PlanStep step,
      int wave,
      int attempt,
      List<ObjectState> priorBefore,
      @Nullable List<ObjectState> startedBefore,
      int retry)
      implements Decision {
    public RunStep {
      priorBefore = List.copyOf(priorBefore);
      startedBefore = startedBefore == null ? null : List.copyOf(startedBefore);
    }

    /** A step's first try (never retried). */
    public RunStep(
        PlanStep step,
        int wave,
        int attempt,
        List<ObjectState> priorBefore,
        @Nullable List<ObjectState> startedBefore) {
      this(step, wave, attempt, priorBefore, startedBefore, 0);
    }
  }

  /**
   * Publish {@code step.started} and {@code approval.requested} for an approval step.
   *
   * @param step the approval step
   * @param wave its wave
   */
  record RequestApproval(PlanStep step, int wave) implements Decision {}

  /**
   * Publish {@code step.succeeded} for an approved approval step.
   *
   * @param step the approval step
   * @param wave its wave
   */
  record CompleteApproval(PlanStep step, int wave) implements Decision {}

  /**
   * Publish {@code approval.requested} for an approval gate of a finished wave: the wave's gate
   * passes once the gate's id is approved ({@code step.approved}).
   *
   * @param gateId the gate's id in the upgrade, which the approval names as its step
   * @param wave the wave
   * @param gate the gate
   */
  record RequestGateApproval(String gateId, int wave, PlannedGate gate) implements Decision {}

  /**
   * Publish {@code gate.requested}: verify a gate of a finished wave, or capture the baseline a
   * gate compares with before a wave changes anything.
   *
   * @param gateId the gate's id in the upgrade
   * @param wave the wave
   * @param gate the gate
   * @param changeStartedAt when the wave's first step started (for a capture: none yet, the epoch)
   * @param purpose verify, or capture a baseline
   * @param baselineOf for a rollback's gates, the upgrade whose baseline they compare with
   */
  record RequestGate(
      String gateId,
      int wave,
      PlannedGate gate,
      Instant changeStartedAt,
      GatePurpose purpose,
      @Nullable String baselineOf)
      implements Decision {}

  /**
   * Wait for the upgrade's window to open: a timer carries on at {@code notBefore}. Nothing is
   * published; after a restart the fold reaches the same wait.
   *
   * @param notBefore when the window opens
   */
  record AwaitWindow(Instant notBefore) implements Decision {}

  /**
   * Publish {@code upgrade.window-closed}: the next wave would start after the window's {@code
   * notAfter}, so it is not started and the upgrade is held until it is rescheduled, resumed or
   * cancelled.
   *
   * @param wave the wave that is not started
   * @param notAfter the end of the window that closed
   */
  record CloseWindow(int wave, Instant notAfter) implements Decision {}

  /**
   * Publish the event that ends the plan.
   *
   * @param event {@code upgrade.completed}, {@code upgrade.failed}, {@code rollback.completed} or
   *     {@code rollback.failed}
   */
  record Finish(EventPayload event) implements Decision {}
}
