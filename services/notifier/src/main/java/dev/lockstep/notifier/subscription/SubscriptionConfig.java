package dev.lockstep.notifier.subscription;

import dev.lockstep.events.ErrorDetail;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The whole subscription document: the named channels and every team's subscription. Routing a
 * notice is a pure function of this document: {@link #teamsFor} and {@link #routesFor}.
 *
 * @param channels the channels, by unique name
 * @param subscriptions one or more per team
 */
public record SubscriptionConfig(List<ChannelConfig> channels, List<Subscription> subscriptions) {

  /** Channel types the notifier can send to. */
  public static final Set<String> CHANNEL_TYPES = Set.of("webhook", "slack", "email", "grafana");

  /** The secrets each channel type needs, by role. */
  public static final Map<String, List<String>> REQUIRED_SECRETS =
      Map.of(
          "webhook", List.of("url"),
          "slack", List.of("url"),
          "email", List.of(),
          "grafana", List.of("url", "token"));

  /** Setting keys that hold secrets and so must never be given as plain settings. */
  public static final Set<String> SECRET_KEYS =
      Set.of("url", "hmacsecret", "secret", "password", "token", "webhook", "apikey");

  public SubscriptionConfig {
    channels = channels == null ? List.of() : List.copyOf(channels);
    subscriptions = subscriptions == null ? List.of() : List.copyOf(subscriptions);
  }

  /** Every problem of the document, with paths into it; empty when it is valid. */
  public List<ErrorDetail> validate() {
    List<ErrorDetail> errors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < channels.size(); i++) {
      ChannelConfig channel = channels.get(i);
      String path = "channels[" + i + "]";
      if (channel.name() == null || channel.name().isBlank()) {
        errors.add(
            new ErrorDetail("invalid-subscription", path + ".name", "a channel needs a name"));
      } else if (!names.add(channel.name())) {
        errors.add(
            new ErrorDetail(
                "invalid-subscription",
                path + ".name",
                "channel '" + channel.name() + "' is defined twice"));
      }
      if (channel.type() == null || !CHANNEL_TYPES.contains(channel.type())) {
        errors.add(
            new ErrorDetail(
                "invalid-subscription",
                path + ".type",
                "channel type must be one of webhook, slack, email, grafana"));
      } else {
        for (String role : REQUIRED_SECRETS.get(channel.type())) {
          if (!channel.secretRefs().containsKey(role)) {
            errors.add(
                new ErrorDetail(
                    "invalid-subscription",
                    path + ".secretRefs." + role,
                    "a " + channel.type() + " channel needs the secret reference '" + role + "'"));
          }
        }
      }
      for (String key : channel.settings().keySet()) {
        if (SECRET_KEYS.contains(key.toLowerCase(java.util.Locale.ROOT))) {
          errors.add(
              new ErrorDetail(
                  "secret-not-allowed",
                  path + ".settings." + key,
                  "'" + key + "' is a secret: name it in secretRefs instead of giving its value"));
        }
      }
    }
    for (int i = 0; i < subscriptions.size(); i++) {
      Subscription subscription = subscriptions.get(i);
      String path = "subscriptions[" + i + "]";
      if (subscription.team() == null || !subscription.team().matches("[a-z0-9][a-z0-9-]*")) {
        errors.add(
            new ErrorDetail(
                "invalid-subscription",
                path + ".team",
                "a team name is lower-case letters, digits and dashes"));
      }
      for (int c = 0; c < subscription.channels().size(); c++) {
        String channel = subscription.channels().get(c);
        if (!names.contains(channel)) {
          errors.add(
              new ErrorDetail(
                  "invalid-subscription",
                  path + ".channels[" + c + "]",
                  "team '" + subscription.team() + "' names an unknown channel '" + channel + "'"));
        }
      }
    }
    return errors;
  }

  /** The teams whose filters match (each once, in document order): their feeds get the notice. */
  public List<String> teamsFor(
      String platform,
      String eventType,
      Severity severity,
      Collection<String> layers,
      Collection<String> components) {
    Set<String> teams = new LinkedHashSet<>();
    for (Subscription subscription : subscriptions) {
      if (subscription.filter().matches(platform, eventType, severity, layers, components)) {
        teams.add(subscription.team());
      }
    }
    return List.copyOf(teams);
  }

  /**
   * The deliveries to make: every (team, channel) whose subscription matches, each once even when
   * two subscriptions of a team match.
   */
  public List<Route> routesFor(
      String platform,
      String eventType,
      Severity severity,
      Collection<String> layers,
      Collection<String> components) {
    Map<String, ChannelConfig> byName =
        channels.stream()
            .collect(Collectors.toMap(ChannelConfig::name, Function.identity(), (a, b) -> a));
    Set<String> seen = new HashSet<>();
    List<Route> routes = new ArrayList<>();
    for (Subscription subscription : subscriptions) {
      if (!subscription.filter().matches(platform, eventType, severity, layers, components)) {
        continue;
      }
      for (String name : subscription.channels()) {
        ChannelConfig channel = byName.get(name);
        if (channel != null && seen.add(subscription.team() + "\u0000" + name)) {
          routes.add(new Route(subscription.team(), channel));
        }
      }
    }
    return routes;
  }
}
