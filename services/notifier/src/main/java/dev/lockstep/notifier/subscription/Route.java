package dev.lockstep.notifier.subscription;

/**
 * One delivery to make: a team on one of its channels.
 *
 * @param team the team
 * @param channel the channel
 */
public record Route(String team, ChannelConfig channel) {}
