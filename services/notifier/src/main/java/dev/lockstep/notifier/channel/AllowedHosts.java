package dev.lockstep.notifier.channel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The hosts channels may send to ({@code lockstep.notifier.allowed-hosts}): SMTP servers, webhook,
 * Slack and Grafana hosts. A pattern is a host name or IP address, matched exactly (case does not
 * matter), or {@code *.example.com}, which matches every name below {@code example.com} but not
 * {@code example.com} itself. Empty (the default) allows no host: the notifier then only keeps team
 * feeds. The operator sets this list, never a subscription.
 */
public final class AllowedHosts {
  private final List<String> patterns;

  private AllowedHosts(List<String> patterns) {
    this.patterns = patterns;
  }

  /** The allow-list of these patterns; an error for a pattern that is not a host or a wildcard. */
  public static AllowedHosts of(Collection<String> patterns) {
    List<String> normal =
        patterns.stream()
            .map(p -> p.trim().toLowerCase(Locale.ROOT))
            .filter(p -> !p.isEmpty())
            .toList();
    for (String pattern : normal) {
      String host = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
      if (host.isEmpty() || !host.matches("[a-z0-9.:\\[\\]_-]+")) {
        throw new IllegalArgumentException(
            "lockstep.notifier.allowed-hosts: '"
                + pattern
                + "' is not a host name, an address or *.<domain>");
      }
    }
    return new AllowedHosts(normal);
  }

  /** True when a channel may send to this host. */
  public boolean allows(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    String bare = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    for (String pattern : patterns) {
      if (pattern.startsWith("*.")) {
        if (bare.endsWith(pattern.substring(1))) {
          return true;
        }
      } else {
        String p =
            pattern.startsWith("[") && pattern.endsWith("]")
                ? pattern.substring(1, pattern.length() - 1)
                : pattern;
        if (bare.equals(p)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Why a channel may not send to this URL (not http or https, no host, or a host not on the list),
   * or empty when it may. The reason never repeats the URL, which is a secret.
   */
  public Optional<String> refuseUrl(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException | NullPointerException e) {
      return Optional.of("is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("is not an http or https URL");
    }
    if (uri.getHost() == null) {
      return Optional.of("has no host");
    }
    if (!allows(uri.getHost())) {
      return Optional.of("names a host that is not in lockstep.notifier.allowed-hosts");
    }
    return Optional.empty();
  }
}
