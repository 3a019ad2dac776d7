package dev.lockstep.cli.soak;

import dev.lockstep.cli.render.Texts;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.StepApproved;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The deadline of an upgrade in the soak, derived from its plans rather than one figure for all:
 * from its submission, {@link #BASE} (queueing, planning, the hops between the services) plus
 * {@link #FACTOR} times the expected durations of its plan and of each of its rollbacks' plans (the
 * planner's estimate, learned from the platform's earlier steps: {@code plan.expectedDuration}),
 * plus the time approvals waited for the soak to grant them (waiting for a person is no part of an
 * estimate), plus, for each fault that overlapped the run, its own length and {@link #RECOVERY} (a
 * consumer group's rebalance, a Lease taken over, an instance restarted and its state rebuilt). A
 * plan without an expected duration (a {@code plan.created} v1) counts {@link #UNKNOWN_PLAN}.
 */
final class Deadlines {
  /** What every upgrade gets besides its plans: queueing, planning, hops. */
  static final Duration BASE = Duration.ofMinutes(1);

  /** How much longer than expected a plan may take on a loaded machine. */
  static final int FACTOR = 2;

  /** What each fault that overlapped a run adds after its own length. */
  static final Duration RECOVERY = Duration.ofMinutes(1);

  /** What a plan without an expected duration counts. */
  static final Duration UNKNOWN_PLAN = Duration.ofMinutes(5);

  /** The rule, for the report. */
  static final String RULE =
      "from its submission, 1 minute, plus twice the expected durations of its plan and of its"
          + " rollbacks' plans (plan.expectedDuration, which the planner learns from the platform's"
          + " earlier steps), plus the time its approvals waited for the soak, plus each fault that"
          + " overlapped it, for its length and one minute of recovery.";

  private Deadlines() {}

  /**
   * An upgrade's deadline.
   *
   * @param at when it had to have ended
   * @param basis how it was reached, for people ({@code 1m + 2 x 1m40s expected + 3s approvals + 1
   *     fault 1m12s})
   */
  record Deadline(Instant at, String basis) {}

  /**
   * The deadline of {@code run}, from its own events and its rollbacks' ({@code events}, in any
   * order) and the faults of the soak.
   */
  static Deadline of(UpgradeRun run, List<EventEnvelope> events, List<Fault> faults) {
    Instant end = run.endedAt() != null ? run.endedAt() : Instant.now();
    Duration expected = Duration.ZERO;
    Map<String, Instant> asked = new HashMap<>();
    Map<String, Instant> granted = new HashMap<>();
    for (EventEnvelope e : events) {
      if (e.data() instanceof PlanCreated c) {
        Duration plan = c.plan().expectedDuration();
        expected = expected.plus(plan == null ? UNKNOWN_PLAN : plan);
      } else if (e.data() instanceof ApprovalRequested a) {
        asked.merge(a.upgradeId() + "/" + a.stepId(), e.time(), (x, y) -> x.isBefore(y) ? x : y);
      } else if (e.data() instanceof StepApproved a) {
        granted.merge(a.upgradeId() + "/" + a.stepId(), e.time(), (x, y) -> x.isBefore(y) ? x : y);
      }
    }
    Duration approvals = Duration.ZERO;
    for (Map.Entry<String, Instant> ask : asked.entrySet()) {
      Instant answered = granted.getOrDefault(ask.getKey(), end);
      if (answered.isAfter(ask.getValue())) {
        approvals = approvals.plus(Duration.between(ask.getValue(), answered));
      }
    }
    List<Fault> overlapping = new ArrayList<>();
    Duration faulted = Duration.ZERO;
    for (Fault f : faults) {
      Instant over = f.endedAt().plus(RECOVERY);
      if (f.startedAt().isBefore(end) && over.isAfter(run.submittedAt())) {
        overlapping.add(f);
        faulted = faulted.plus(Duration.between(f.startedAt(), f.endedAt())).plus(RECOVERY);
      }
    }
    Instant at =
        run.submittedAt()
            .plus(BASE)
            .plus(expected.multipliedBy(FACTOR))
            .plus(approvals)
            .plus(faulted);
    String basis =
        Texts.duration(BASE)
            + " + "
            + FACTOR
            + " x "
            + Texts.duration(expected)
            + " expected"
            + (approvals.isZero()
                ? ""
                : " + " + Texts.duration(approvals) + " waiting for approvals")
            + (overlapping.isEmpty()
                ? ""
                : " + "
                    + overlapping.size()
                    + (overlapping.size() == 1 ? " fault " : " faults ")
                    + Texts.duration(faulted));
    return new Deadline(at, basis);
  }
}
