package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code rollback.requested}: roll an upgrade back to its recorded before-state.
 *
 * @param upgradeId the upgrade to roll back
 * @param platform the platform
 * @param requestedBy who asks
 * @param reason why
 */
public record RollbackRequested(
    String upgradeId, String platform, String requestedBy, @Nullable String reason)
    implements EventPayload {}
