package dev.lockstep.events.v1;

import dev.lockstep.events.EventPayload;
import jakarta.annotation.Nullable;

/**
 * {@code notification.delivered}: a team was told on one channel.
 *
 * @param sourceEventId the event the notification was about
 * @param upgradeId its upgrade, if any
 * @param team the team
 * @param channel the channel (type and name, never its URL)
 * @param attempts how many attempts it took
 */
public record NotificationDelivered(
    String sourceEventId, @Nullable String upgradeId, String team, ChannelRef channel, int attempts)
    implements EventPayload {}
