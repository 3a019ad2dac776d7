package dev.lockstep.planner.model;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Plan;
import java.util.List;

/** What planning gives: a plan, or every reason why there is none. */
public sealed interface PlanningResult {
  /** A plan was made. */
  record Planned(Plan plan) implements PlanningResult {}

  /** No plan: every problem at once. */
  record Rejected(List<ErrorDetail> errors) implements PlanningResult {
    public Rejected {
      errors = List.copyOf(errors);
    }
  }

  /** The plan, or an error when there is none (for callers that know it must succeed). */
  default Plan planOrThrow() {
    if (this instanceof Planned p) {
      return p.plan();
    }
    throw new IllegalStateException("rejected: " + ((Rejected) this).errors());
  }
}
