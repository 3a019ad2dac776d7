package dev.lockstep.manifest;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * One entry of a platform's allow-list of gate hosts: {@code metis.core}, {@code metis.core:8080},
 * {@code *.core.svc.cluster.local} (one or more labels in front), {@code 127.0.0.1:8089}, {@code
 * [fd00::1]:9090}, or {@code *} (any host). Without a port it matches every port. Only an entry
 * written as an IP address admits a loopback, link-local or metadata address (see {@link
 * SpecialAddresses}); neither a wildcard nor a host name does.
 *
 * <p>The planner applies the same rules to names at planning time (planner-core's {@code
 * GateReach}); keep the two in step.
 */
public record HostPattern(String host, int port) {
  /** Any port. */
  public static final int ANY_PORT = -1;

  /** Parses an entry; empty when it is malformed. */
  public static Optional<HostPattern> parse(String entry) {
    if (entry == null || entry.isBlank()) {
      return Optional.empty();
    }
    String text = entry.trim().toLowerCase(Locale.ROOT);
    String host = text;
    int port = ANY_PORT;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        return Optional.empty();
      }
      host = text.substring(0, close + 1);
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          return Optional.empty();
        }
        port = port(rest.substring(1));
        if (port < 0) {
          return Optional.empty();
        }
      }
    } else if (text.indexOf(':') >= 0) {
      int colon = text.lastIndexOf(':');
      if (text.indexOf(':') != colon) {
        return Optional.empty(); // a bare IPv6 address must be written in brackets
      }
      host = text.substring(0, colon);
      port = port(text.substring(colon + 1));
      if (port < 0 || host.isEmpty()) {
        return Optional.empty();
      }
    }
    return Optional.of(new HostPattern(host, port));
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      return port > 0 && port < 65536 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether this entry names an IP address (not a name, not a wildcard). */
  public boolean isAddress() {
    return literal().isPresent();
  }

  /** The address this entry names, when it is written as an IP address. */
  public Optional<InetAddress> literal() {
    return SpecialAddresses.literal(host);
  }

  /** Whether a URL's host (lower case, IPv6 in brackets) and port are allowed by this entry. */
  public boolean matches(String urlHost, int urlPort) {
    if (port != ANY_PORT && port != urlPort) {
      return false;
    }
    String candidate = urlHost.toLowerCase(Locale.ROOT);
    if (host.equals("*")) {
      return true;
    }
    if (host.startsWith("*.")) {
      String suffix = host.substring(1);
      return candidate.endsWith(suffix) && candidate.length() > suffix.length();
    }
    Optional<InetAddress> mine = literal();
    if (mine.isPresent()) {
      return SpecialAddresses.literal(candidate).map(mine.get()::equals).orElse(false);
    }
    return candidate.equals(host);
  }

  /** Whether this entry, written as an IP address, names the address on the port. */
  public boolean admits(InetAddress address, int urlPort) {
    return (port == ANY_PORT || port == urlPort) && literal().map(address::equals).orElse(false);
  }

  @Override
  public String toString() {
    return port == ANY_PORT ? host : host + ":" + port;
  }
}
