package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.resume-requested}: resume a paused upgrade.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param requestedBy who asks
 * @param reason why
 */
public record UpgradeResumeRequested(
    String upgradeId, String platform, String requestedBy, @Nullable String reason)
    implements EventPayload {}
