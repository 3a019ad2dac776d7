package dev.lockstep.planner.planning;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.GoDuration;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How long a plan is expected to take when nothing fails: its waves in order; in a wave, the
 * slowest component (its steps one after the other, components side by side, as the executor runs
 * them), then the slowest gate (gates run side by side). A step takes what {@code typical} says
 * (the planner learns it from the platform's earlier steps; {@link #TYPICAL} otherwise); a gate
 * takes the measurements it needs to pass ({@code consecutiveSuccessLimit}, else {@code count}) at
 * its interval. Time spent waiting for a person (approval steps and gates) and for the maintenance
 * window is not counted: nobody can know it.
 */
public final class ExpectedDuration {
  /** What a step of each action takes on a real cluster when nothing says otherwise. */
  public static final Map<StepAction, Duration> TYPICAL = typical();

  /** What one measurement of a gate takes. */
  static final Duration MEASUREMENT = Duration.ofSeconds(1);

  private ExpectedDuration() {}

  /** The plan's expected duration, each step taking {@link #TYPICAL} for its action. */
  public static Duration of(Plan plan) {
    return of(plan, step -> TYPICAL.get(step.action()));
  }

  /** The plan's expected duration, each step taking what {@code typical} says. */
  public static Duration of(Plan plan, Function<PlanStep, Duration> typical) {
    Duration total = Duration.ZERO;
    for (Wave wave : plan.waves()) {
      total = total.plus(slowestComponent(wave, typical)).plus(slowestGate(wave));
    }
    return total;
  }

  private static Duration slowestComponent(Wave wave, Function<PlanStep, Duration> typical) {
    // order does not count: only the longest sum is kept
    Map<String, Duration> byComponent = new HashMap<>();
    for (PlanStep step : wave.steps()) {
      Duration took = step.action() == StepAction.APPROVE ? Duration.ZERO : typical.apply(step);
      byComponent.merge(step.component(), took, Duration::plus);
    }
    return byComponent.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /**
   * What the steps of one component, {@code steps} from {@code first} on, take together, each
   * taking {@link #TYPICAL} for its action: {@link #of(Plan)} keeps the longest such sum of each
   * wave, which the upgrade planner sums as it makes the steps.
   */
  static Duration typical(List<PlanStep> steps, int first) {
    // summed in seconds and nanoseconds: a Duration per step of 100,000 components adds up
    long seconds = 0;
    long nanos = 0;
    for (int i = first; i < steps.size(); i++) {
      PlanStep step = steps.get(i);
      if (step.action() != StepAction.APPROVE) {
        Duration took = TYPICAL.get(step.action());
        seconds = Math.addExact(seconds, took.getSeconds());
        nanos += took.getNano();
      }
    }
    return Duration.ofSeconds(seconds, nanos);
  }

  static Duration slowestGate(Wave wave) {
    Duration slowest = Duration.ZERO;
    for (PlannedGate gate : wave.gates()) {
      Duration takes = toPass(gate.spec());
      if (takes.compareTo(slowest) > 0) {
        slowest = takes;
      }
    }
    return slowest;
  }

  /** The time a gate takes to pass: its measurements at its interval; nothing for an approval. */
  static Duration toPass(Gate gate) {
    if (gate == null || gate.approval() != null) {
      return Duration.ZERO;
    }
    int needed =
        gate.consecutiveSuccessLimit() != null
            ? gate.consecutiveSuccessLimit()
            : gate.count() == null ? 1 : gate.count();
    Duration interval = GoDuration.parseOr(gate.interval(), Gate.DEFAULT_INTERVAL);
    return interval.multipliedBy(Math.max(0, needed - 1)).plus(MEASUREMENT);
  }

  private static Map<StepAction, Duration> typical() {
    Map<StepAction, Duration> typical = new java.util.EnumMap<>(StepAction.class);
    typical.put(StepAction.BACKUP, Duration.ofMinutes(1));
    typical.put(StepAction.DRAIN, Duration.ofSeconds(30));
    typical.put(StepAction.MIGRATE, Duration.ofMinutes(2));
    typical.put(StepAction.SET_IMAGE, Duration.ofMinutes(1));
    typical.put(StepAction.APPLY, Duration.ofSeconds(30));
    typical.put(StepAction.PATCH_RESOURCE, Duration.ofMinutes(1));
    typical.put(StepAction.RESTORE_REPLICAS, Duration.ofMinutes(1));
    typical.put(StepAction.RESTORE_SNAPSHOT, Duration.ofMinutes(2));
    typical.put(StepAction.REMOVE, Duration.ofSeconds(10));
    typical.put(StepAction.APPROVE, Duration.ZERO);
    return java.util.Collections.unmodifiableMap(typical);
  }
}
