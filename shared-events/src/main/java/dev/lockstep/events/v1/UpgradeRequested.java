package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import dev.lockstep.manifest.Release;
import jakarta.annotation.Nullable;

/**
 * {@code upgrade.requested}: upgrade a platform to a release, given inline or by reference to the
 * catalogue.
 *
 * @param upgradeId the id the requester chose; the planner assigns one when null
 * @param platform the platform
 * @param release the release manifest, or null with {@code releaseRef}
 * @param releaseRef a catalogued release, or null with {@code release}
 * @param requestedBy who asks (a person or a service)
 * @param reason why, for the audit trail
 * @param window the maintenance window, if any
 */
public record UpgradeRequested(
    @Nullable String upgradeId,
    String platform,
    @Nullable Release release,
    @Nullable ReleaseRef releaseRef,
    String requestedBy,
    @Nullable String reason,
    @Nullable Window window)
    implements EventPayload {}
