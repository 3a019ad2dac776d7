package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;

/**
 * {@code upgrade.rescheduled}: an upgrade held because its window closed gets a new window, the
 * platform's next recurring one. The executor waits for its {@code notBefore}, then starts the next
 * wave and holds the upgrade again when a wave would start after its {@code notAfter}.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param window the new window
 */
public record UpgradeRescheduled(String upgradeId, String platform, Window window)
    implements EventPayload {}
