package dev.lockstep.validator.reach;

import dev.lockstep.manifest.HostPattern;
import dev.lockstep.manifest.SpecialAddresses;
import io.micronaut.context.env.Environment;
import io.micronaut.core.type.Argument;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the gates of a platform may reach, as the operator configured it under {@code
 * lockstep.platforms.<id>.gates} (the planner reads the same keys and rejects a release that breaks
 * them; this is the second check, at run time):
 *
 * <ul>
 *   <li>{@code http-hosts}: the hosts ({@link HostPattern}) http gates may ask, with GET or HEAD;
 *   <li>{@code secret-hosts.<secret>}: the hosts a {@code secret:} header may be sent to;
 *   <li>{@code prometheus-servers}: the names of the Prometheus servers prometheus gates may name;
 *   <li>{@code datasources}: the names of the datasources sql gates may name.
 * </ul>
 *
 * Nothing is reachable when nothing is configured.
 */
@Singleton
public class GateReach {
  private final Environment environment;

  public GateReach(Environment environment) {
    this.environment = environment;
  }

  /** The configuration prefix of a platform's gate reach. */
  public static String prefix(String platform) {
    return "lockstep.platforms." + platform + ".gates.";
  }

  private List<String> list(String key) {
    return environment.getProperty(key, Argument.listOf(String.class)).orElse(List.of());
  }

  private static List<HostPattern> patterns(List<String> entries) {
    List<HostPattern> patterns = new ArrayList<>();
    for (String entry : entries) {
      HostPattern.parse(entry).ifPresent(patterns::add);
    }
    return patterns;
  }

  /** The port a URL reaches: its own, or its scheme's. */
  public static int port(URI uri) {
    if (uri.getPort() > 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /**
   * Why a URL may not be asked by the platform's http gates, by its name (before any address is
   * known); empty when it may.
   */
  public Optional<String> refuseUrl(String platform, URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("only http and https URLs may be asked");
    }
    String host = uri.getHost();
    if (host == null) {
      return Optional.of("the URL names no host");
    }
    host = host.toLowerCase(Locale.ROOT);
    int port = port(uri);
    List<HostPattern> allowed = patterns(list(prefix(platform) + "http-hosts"));
    if (allowed.stream().noneMatch(p -> p.matches(uri.getHost(), port))) {
      return Optional.of(
          host
              + ":"
              + port
              + " is not on the platform's allow-list ("
              + prefix(platform)
              + "http-hosts)");
    }
    if (SpecialAddresses.isOddNumericHost(host)) {
      return Optional.of(host + " is not a plain address (write an IPv4 address as a.b.c.d)");
    }
    if (SpecialAddresses.isSpecialName(host)) {
      return Optional.of(
          host + " names a loopback or metadata address; name the address itself to allow it");
    }
    return Optional.empty();
  }

  /**
   * Why an address a URL's host resolved to may not be asked (loopback, link-local, metadata),
   * unless an allow-list entry names it as an IP address; empty when it may.
   */
  public Optional<String> refuseAddress(String platform, URI uri, InetAddress address) {
    Optional<String> kind = SpecialAddresses.kind(address);
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    int port = port(uri);
    List<HostPattern> allowed = patterns(list(prefix(platform) + "http-hosts"));
    if (allowed.stream().anyMatch(p -> p.admits(address, port))) {
      return Optional.empty();
    }
    return Optional.of(
        uri.getHost()
            + " is "
            + address.getHostAddress()
            + ", a "
            + kind.get()
            + " address, which gates may not reach unless "
            + prefix(platform)
            + "http-hosts names it as an address");
  }

  /**
   * Why a secret may not be sent to a URL's host: it is bound (by {@code secret-hosts.<secret>}) to
   * other hosts or to none; empty when it may.
   *
   * @param secret the secret's name as configured ({@code gates-metis-token})
   */
  public Optional<String> refuseSecret(String platform, String secret, URI uri) {
    List<HostPattern> bound = patterns(list(prefix(platform) + "secret-hosts." + secret));
    if (uri.getHost() != null
        && bound.stream().anyMatch(p -> p.matches(uri.getHost(), port(uri)))) {
      return Optional.empty();
    }
    return Optional.of(
        "the secret "
            + secret
            + " is not bound to "
            + (uri.getHost() == null ? "this URL" : uri.getHost() + ":" + port(uri))
            + " ("
            + prefix(platform)
            + "secret-hosts."
            + secret
            + ")");
  }

  /** Whether the platform's prometheus gates may name the server. */
  public boolean allowsPrometheus(String platform, String server) {
    return list(prefix(platform) + "prometheus-servers").contains(server);
  }

  /** Whether the platform's sql gates may name the datasource. */
  public boolean allowsDatasource(String platform, String datasource) {
    return list(prefix(platform) + "datasources").contains(datasource);
  }
}
