package dev.lockstep.events.v1;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;
import java.util.List;

/**
 * {@code plan.rejected}: a request that cannot be planned, with every problem at once.
 *
 * @param upgradeId the upgrade the request named or was given
 * @param platform the platform
 * @param requestType the type of the rejected request
 * @param requestId the id of the rejected request event
 * @param errors every problem
 * @param requestedBy who asked
 */
public record PlanRejected(
    String upgradeId,
    String platform,
    String requestType,
    @Nullable String requestId,
    List<ErrorDetail> errors,
    @Nullable String requestedBy)
    implements EventPayload {
  public PlanRejected {
    errors = List.copyOf(errors);
  }
}
