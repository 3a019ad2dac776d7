package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code plan.created}: the plan of an upgrade or a rollback.
 *
 * @param plan the plan (DESIGN section 9)
 * @param requestedBy who asked for it (the audit trail of every cluster operation)
 * @param reason why
 */
public record PlanCreated(Plan plan, String requestedBy, @Nullable String reason)
    implements EventPayload {}
