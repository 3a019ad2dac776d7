package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.paused}: a validated pause. The running upgrade starts no further step, gate or
 * approval (what is in flight finishes) until {@code upgrade.resumed}, or until a cancel or a
 * rollback ends it.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param pausedBy who paused it
 * @param reason why
 */
public record UpgradePaused(
    String upgradeId, String platform, String pausedBy, @Nullable String reason)
    implements EventPayload {}
