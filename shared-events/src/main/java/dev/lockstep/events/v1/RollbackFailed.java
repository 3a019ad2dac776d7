package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code rollback.failed}: a rollback could not finish; people must act.
 *
 * @param upgradeId the rollback's own id
 * @param rollbackOf the upgrade it rolled back
 * @param platform the platform
 * @param reason why
 * @param failedStepId the step that failed, if a step failed
 */
public record RollbackFailed(
    String upgradeId,
    String rollbackOf,
    String platform,
    String reason,
    @Nullable String failedStepId)
    implements EventPayload {}
