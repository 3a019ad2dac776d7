package dev.lockstep.notifier.channel;

import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.subscription.ChannelConfig;

/**
 * One message on its way to a channel.
 *
 * @param deliveryId the delivery id (idempotency key for receivers)
 * @param team the team it is for
 * @param channel the channel's configuration (secrets by reference only)
 * @param notice the notice
 * @param subject the rendered subject
 * @param text the rendered body
 */
public record Outgoing(
    String deliveryId,
    String team,
    ChannelConfig channel,
    Notice notice,
    String subject,
    String text) {}
