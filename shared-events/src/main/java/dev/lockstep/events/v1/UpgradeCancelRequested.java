package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.cancel-requested}: cancel a queued or running upgrade.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param requestedBy who asks
 * @param reason why
 */
public record UpgradeCancelRequested(
    String upgradeId, String platform, String requestedBy, @Nullable String reason)
    implements EventPayload {}
