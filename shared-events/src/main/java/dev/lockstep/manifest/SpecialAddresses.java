package dev.lockstep.manifest;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Addresses a gate must not reach unless an allow-list entry names them as an IP address: loopback
 * (127.0.0.0/8, ::1), unspecified (0.0.0.0/8, ::), link-local (169.254.0.0/16, fe80::/10) and the
 * cloud metadata services (169.254.169.254, fd00:ec2::254), and the names that stand for them
 * ({@code localhost}, {@code metadata.google.internal}).
 */
public final class SpecialAddresses {
  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");

  /** Names that resolve to a special address wherever they are asked. */
  private static final Set<String> NAMES =
      Set.of("localhost", "metadata", "metadata.google.internal", "instance-data");

  private static final InetAddress EC2_IPV6_METADATA = v6("fd00:ec2::254");

  private SpecialAddresses() {}

  /**
   * The address a URL host (IPv6 in brackets) is written as, without asking DNS; empty for a name.
   */
  public static Optional<InetAddress> literal(String host) {
    if (host == null) {
      return Optional.empty();
    }
    try {
      if (host.startsWith("[") && host.endsWith("]") && host.indexOf(':') >= 0) {
        // Java parses a bracketed IPv6 literal itself and never asks DNS for it.
        return Optional.of(InetAddress.getByName(host));
      }
      if (DOTTED_QUAD.matcher(host).matches()) {
        return Optional.of(InetAddress.getByName(host));
      }
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /**
   * Whether a host is all digits and dots but not a dotted quad ({@code 2852039166}, {@code
   * 127.1}).
   */
  public static boolean isOddNumericHost(String host) {
    return host != null && host.matches("^[0-9.]+$") && !DOTTED_QUAD.matcher(host).matches();
  }

  /** Whether a name stands for a special address ({@code localhost}, {@code x.localhost}, ...). */
  public static boolean isSpecialName(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    return NAMES.contains(name) || name.endsWith(".localhost");
  }

  /** What kind of special address this is, or empty for an ordinary one. */
  public static Optional<String> kind(InetAddress address) {
    InetAddress a = address;
    if (a instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress()) {
      byte[] b = v6.getAddress();
      try {
        a = InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
      } catch (UnknownHostException e) {
        return Optional.of("malformed");
      }
    }
    if (a.equals(EC2_IPV6_METADATA)) {
      return Optional.of("cloud metadata");
    }
    if (a instanceof Inet4Address) {
      byte[] b = a.getAddress();
      if ((b[0] & 0xff) == 169
          && (b[1] & 0xff) == 254
          && (b[2] & 0xff) == 169
          && (b[3] & 0xff) == 254) {
        return Optional.of("cloud metadata");
      }
    }
    if (a.isLoopbackAddress()) {
      return Optional.of("loopback");
    }
    if (a.isAnyLocalAddress() || (a instanceof Inet4Address && a.getAddress()[0] == 0)) {
      return Optional.of("unspecified");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of("link-local");
    }
    return Optional.empty();
  }

  private static InetAddress v6(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
