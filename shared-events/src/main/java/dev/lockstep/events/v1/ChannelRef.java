package dev.lockstep.events.v1;

/**
 * A notification channel by type and configured name, never its URL or token.
 *
 * @param type webhook, slack, email or grafana
 * @param name the channel's name in the subscription configuration
 */
public record ChannelRef(String type, String name) {}
