package dev.lockstep.notifier.subscription;

import java.util.List;

/**
 * One team's subscription: what it wants to hear about and on which named channels. A team's feed
 * receives every notice its filter matches, whatever its channels.
 *
 * @param team the team's name (also its feed's name)
 * @param filter what it wants
 * @param channels names of channels from {@link SubscriptionConfig#channels()}
 */
public record Subscription(String team, Filter filter, List<String> channels) {
  public Subscription {
    filter = filter == null ? Filter.everything() : filter;
    channels = channels == null ? List.of() : List.copyOf(channels);
  }
}
