package dev.lockstep.planner.platforms;

import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.planner.planning.ExpectedDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How long the steps of each platform took, learned from the execution log: a step's duration runs
 * from its {@code step.started} (its last attempt) to its {@code step.succeeded}, by the executor's
 * clock. A plan's expected duration takes, for each step, the median of the last {@link #KEPT}
 * durations of the same component and action on the platform; failing {@link #ENOUGH} of them, of
 * the same action on the platform; failing that, {@link ExpectedDuration#TYPICAL}.
 */
final class StepHistory {
  /** The durations kept per component and action, and per action. */
  static final int KEPT = 10;

  /** How many durations make a median worth trusting. */
  static final int ENOUGH = 3;

  /** (upgrade id, step id) to when its last attempt started. */
  private final Map<String, Instant> started = new HashMap<>();

  /** (platform, component, action) and (platform, action) to its last durations. */
  private final Map<String, Deque<Duration>> durations = new HashMap<>();

  void started(StepStarted s, Instant at) {
    started.put(s.upgradeId() + "/" + s.stepId(), at);
  }

  void failed(String upgradeId, String stepId) {
    started.remove(upgradeId + "/" + stepId);
  }

  void succeeded(String platform, StepSucceeded s, Instant at) {
    Instant from = started.remove(s.upgradeId() + "/" + s.stepId());
    if (from == null || at.isBefore(from) || s.action() == StepAction.APPROVE) {
      return;
    }
    Duration took = Duration.between(from, at);
    keep(platform + "/" + s.component() + "/" + s.action(), took);
    keep(platform + "//" + s.action(), took);
  }

  /** What each step of a plan on {@code platform} is expected to take. */
  Function<PlanStep, Duration> typical(String platform) {
    return step -> {
      Duration ofComponent = median(platform + "/" + step.component() + "/" + step.action());
      if (ofComponent != null) {
        return ofComponent;
      }
      Duration ofAction = median(platform + "//" + step.action());
      return ofAction != null ? ofAction : ExpectedDuration.TYPICAL.get(step.action());
    };
  }

  private void keep(String key, Duration took) {
    Deque<Duration> last = durations.computeIfAbsent(key, k -> new ArrayDeque<>());
    last.addLast(took);
    while (last.size() > KEPT) {
      last.removeFirst();
    }
  }

  private Duration median(String key) {
    Deque<Duration> last = durations.get(key);
    if (last == null || last.size() < ENOUGH) {
      return null;
    }
    List<Duration> sorted = new ArrayList<>(last);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
