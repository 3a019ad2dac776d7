package dev.lockstep.recorder.report;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.AvailabilityObserved.ComponentAvailability;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.recorder.projection.UpgradeView;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a prober saw of an upgrade ({@code availability.observed}, the last one published for it)
 * next to what its plan expected: the plan's downtime in all, and, per component, whether the plan
 * drained it (a component that is not drained is expected to stay served).
 *
 * @param prober who probed
 * @param from when probing began
 * @param to when it ended
 * @param expectedDowntime the plan's expected downtime, or null when its plan is not recorded
 * @param rows one per probed component
 */
public record Availability(
    String prober, Instant from, Instant to, @Nullable Duration expectedDowntime, List<Row> rows) {

  /**
   * One component, probed.
   *
   * @param observed what the prober saw
   * @param drained whether the plan drains it (so that it is expected to be down for a while)
   */
  public record Row(ComponentAvailability observed, boolean drained) {
    /** What the plan expected of it, for people. */
    public String expected() {
      return drained ? "down while drained" : "served throughout";
    }

    /** Whether what was seen departs from what the plan expected. */
    public boolean unexpected() {
      return !drained && observed.failures() > 0;
    }
  }

  /** The availability of the upgrade of {@code view}, or null when nothing probed it. */
  public static @Nullable Availability of(UpgradeView view, List<EventEnvelope> story) {
    AvailabilityObserved observed = null;
    Duration expected = null;
    for (EventEnvelope event : story) {
      if (event.data() instanceof AvailabilityObserved a
          && a.upgradeId().equals(view.upgradeId())) {
        observed = a;
      } else if (event.data() instanceof PlanCreated c
          && c.plan().upgradeId().equals(view.upgradeId())) {
        expected = c.plan().expectedDowntime();
      }
    }
    if (observed == null) {
      return null;
    }
    List<Row> rows = new ArrayList<>();
    for (ComponentAvailability component : observed.components()) {
      boolean drained =
          view.steps().stream()
              .anyMatch(
                  s ->
                      s.upgradeId().equals(view.upgradeId())
                          && s.component().equals(component.component())
                          && s.action().equals(StepAction.DRAIN.wire()));
      rows.add(new Row(component, drained));
    }
    return new Availability(observed.prober(), observed.from(), observed.to(), expected, rows);
  }
}
