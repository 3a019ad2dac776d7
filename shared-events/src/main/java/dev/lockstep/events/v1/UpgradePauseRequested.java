package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.pause-requested}: pause a running upgrade before its next step.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param requestedBy who asks
 * @param reason why
 */
public record UpgradePauseRequested(
    String upgradeId, String platform, String requestedBy, @Nullable String reason)
    implements EventPayload {}
