package dev.lockstep.notifier.channel;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.notifier.subscription.ChannelConfig;
import dev.lockstep.notifier.subscription.SubscriptionConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a subscription document may ask of the notifier's channels: every secret it names is one of
 * the notifier's declared {@link Secrets}, and every destination (an e-mail channel's SMTP {@code
 * host}, the host of the URL behind a webhook, Slack or Grafana channel's {@code url} secret) is on
 * the {@link AllowedHosts}. Checked when a document is {@code PUT}, and again by the senders before
 * every send (the configuration may have changed since).
 */
public final class ChannelPolicy {
  /** Channel types whose destination is the URL behind their {@code url} secret. */
  private static final Set<String> URL_TYPES = Set.of("webhook", "slack", "grafana");

  private final Secrets secrets;
  private final AllowedHosts hosts;

  public ChannelPolicy(Secrets secrets, AllowedHosts hosts) {
    this.secrets = secrets;
    this.hosts = hosts;
  }

  /** Every violation of the document's channels, with paths into it; empty when there is none. */
  public List<ErrorDetail> check(SubscriptionConfig config) {
    List<ErrorDetail> errors = new ArrayList<>();
    for (int i = 0; i < config.channels().size(); i++) {
      ChannelConfig channel = config.channels().get(i);
      String path = "channels[" + i + "]";
      for (Map.Entry<String, String> ref : channel.secretRefs().entrySet()) {
        if (!secrets.declared(ref.getValue())) {
          errors.add(
              new ErrorDetail(
                  "secret-not-declared",
                  path + ".secretRefs." + ref.getKey(),
                  "'"
                      + ref.getValue()
                      + "' is not one of the notifier's declared secrets"
                      + " (lockstep.notifier.secrets, lockstep.notifier.secret-files)"));
        }
      }
      if ("email".equals(channel.type())) {
        String host = EmailSender.host(channel);
        if (!hosts.allows(host)) {
          errors.add(
              new ErrorDetail(
                  "host-not-allowed",
                  path + ".settings.host",
                  "SMTP host '" + host + "' is not in lockstep.notifier.allowed-hosts"));
        }
      } else if (URL_TYPES.contains(channel.type())) {
        String reference = channel.secretRefs().get("url");
        secrets
            .find(reference)
            .flatMap(hosts::refuseUrl)
            .ifPresent(
                reason ->
                    errors.add(
                        new ErrorDetail(
                            "host-not-allowed",
                            path + ".secretRefs.url",
                            "the URL in secret '" + reference + "' " + reason)));
      }
    }
    return errors;
  }

  /** The value of a channel's secret, for sending; a delivery error when it is not declared. */
  public String secret(ChannelConfig channel, String role) throws DeliveryException {
    String reference = channel.secretRefs().get(role);
    return secrets
        .find(reference)
        .orElseThrow(
            () ->
                new DeliveryException(
                    "channel "
                        + channel.name()
                        + ": secret '"
                        + reference
                        + "' is not a declared secret"));
  }

  /** A channel's destination URL (its {@code url} secret), refused unless its host is allowed. */
  public String url(ChannelConfig channel) throws DeliveryException {
    String url = secret(channel, "url");
    var refused = hosts.refuseUrl(url);
    if (refused.isPresent()) {
      throw new DeliveryException(
          "channel "
              + channel.name()
              + ": the URL in secret '"
              + channel.secretRefs().get("url")
              + "' "
              + refused.get());
    }
    return url;
  }

  /** Refuses an SMTP host that is not allowed. */
  public void checkHost(ChannelConfig channel, String host) throws DeliveryException {
    if (!hosts.allows(host)) {
      throw new DeliveryException(
          "channel "
              + channel.name()
              + ": SMTP host '"
              + host
              + "' is not in lockstep.notifier.allowed-hosts");
    }
  }
}
