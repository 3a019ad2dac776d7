package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.resumed}: a validated resume of a paused upgrade, which carries on from where it
 * stopped.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param resumedBy who resumed it
 * @param reason why
 */
public record UpgradeResumed(
    String upgradeId, String platform, String resumedBy, @Nullable String reason)
    implements EventPayload {}
