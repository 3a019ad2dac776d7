package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.cancelled}: a validated cancel. A running upgrade stops before its next step and
 * its work is rolled back.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param cancelledBy who cancelled
 * @param reason why
 * @param wasRunning false when it was still queued
 */
public record UpgradeCancelled(
    String upgradeId,
    String platform,
    String cancelledBy,
    @Nullable String reason,
    boolean wasRunning)
    implements EventPayload {}
