package dev.lockstep.events.requests;

import dev.lockstep.events.ErrorDetail;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A request that the planner would refuse, found before it was sent: every problem, each with the
 * code, path and message that the planner's API would give.
 */
public final class InvalidRequestException extends IllegalArgumentException {
  private final transient List<ErrorDetail> errors;

  InvalidRequestException(List<ErrorDetail> errors) {
    super(
        "the request is not valid: "
            + errors.stream()
                .map(e -> e.code() + " at " + e.path() + ": " + e.message())
                .collect(Collectors.joining("; ")));
    this.errors = List.copyOf(errors);
  }

  /** Every problem found. */
  public List<ErrorDetail> errors() {
    return errors;
  }
}
