package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code notification.failed}: a channel could not be reached after every retry.
 *
 * @param sourceEventId the event the notification was about
 * @param upgradeId its upgrade, if any
 * @param team the team
 * @param channel the channel
 * @param attempts how many attempts were made
 * @param reason the last error, without secrets
 */
public record NotificationFailed(
    String sourceEventId,
    @Nullable String upgradeId,
    String team,
    ChannelRef channel,
    int attempts,
    String reason)
    implements EventPayload {}
