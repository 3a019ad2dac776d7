package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import java.time.Instant;

/**
 * {@code upgrade.window-closed}: the next wave of a running upgrade would have started after its
 * window's {@code notAfter}, so the executor did not start it. The upgrade is held as a pause holds
 * it (what was in flight finished) until {@code upgrade.rescheduled} gives it a new window, {@code
 * upgrade.resumed} lifts the hold, or a cancel rolls it back: the platform's window policy decides.
 *
 * @param upgradeId the upgrade
 * @param platform the platform
 * @param wave the index of the wave that was not started
 * @param notAfter the end of the window that closed
 */
public record UpgradeWindowClosed(String upgradeId, String platform, int wave, Instant notAfter)
    implements EventPayload {}
