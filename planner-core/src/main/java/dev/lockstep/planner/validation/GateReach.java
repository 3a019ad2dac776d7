package dev.lockstep.planner.validation;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.HostPattern;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.SpecialAddresses;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a release's gates may reach is set by the operator, not by the release (DESIGN section 8).
 * This checks every gate of a release against the platform's {@link Policy} and reports every
 * violation with code {@link #GATE_NOT_ALLOWED} and its path: an http gate that does not only read
 * (GET or HEAD), asks a host not on the allow-list, a loopback, link-local or metadata address not
 * named by the allow-list, or sends a {@code secret:} header to a host the secret is not bound to;
 * a prometheus gate whose {@code address} is not the name of an allowed server (a URL is refused);
 * a sql gate whose datasource is not allowed. Pure: names are not resolved here (the validator
 * checks the addresses again when it asks).
 *
 * <p>The validator enforces the same rules at run time ({@code dev.lockstep.validator.reach}); keep
 * the two in step.
 */
public final class GateReach {
  /** The error code of a gate that reaches what the platform does not allow. */
  public static final String GATE_NOT_ALLOWED = "gate-not-allowed";

  private static final Pattern SERVER_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

  private GateReach() {}

  /**
   * What a platform's gates may reach ({@code lockstep.platforms.<id>.gates}).
   *
   * @param httpHosts host patterns http gates may ask: {@code metis.core}, {@code metis.core:8080},
   *     {@code *.core.svc.cluster.local}, {@code 127.0.0.1:8089}, {@code *}; only an entry written
   *     as an IP address admits a loopback, link-local or metadata address
   * @param secretHosts per secret name ({@code gates-metis-token} for {@code
   *     secret:gates/metis-token}), the host patterns it may be sent to
   * @param prometheusServers the Prometheus servers prometheus gates may name in {@code address}
   * @param datasources the datasources sql gates may name
   */
  public record Policy(
      List<String> httpHosts,
      Map<String, List<String>> secretHosts,
      Set<String> prometheusServers,
      Set<String> datasources) {
    /** A policy that lets gates reach nothing but the cluster and the default Prometheus. */
    public static final Policy NOTHING = new Policy(List.of(), Map.of(), Set.of(), Set.of());

    public Policy {
      httpHosts = httpHosts == null ? List.of() : List.copyOf(httpHosts);
      secretHosts = secretHosts == null ? Map.of() : Map.copyOf(secretHosts);
      prometheusServers = prometheusServers == null ? Set.of() : Set.copyOf(prometheusServers);
      datasources = datasources == null ? Set.of() : Set.copyOf(datasources);
    }
  }

  /**
   * Every gate of the release that reaches what the policy does not allow.
   *
   * @param release the release
   * @param policy what the platform's gates may reach; null for no check (tools without a
   *     platform's configuration)
   * @param base the path of the release in the request ({@code release}, or empty)
   */
  public static List<ErrorDetail> check(Release release, Policy policy, String base) {
    List<ErrorDetail> errors = new ArrayList<>();
    if (policy == null || release == null || release.spec() == null) {
      return errors;
    }
    String root = base == null || base.isEmpty() ? "" : base + ".";
    List<Component> components = release.spec().components();
    for (int c = 0; c < components.size(); c++) {
      Component component = components.get(c);
      if (component == null) {
        continue;
      }
      List<Gate> gates = component.gates();
      for (int g = 0; g < gates.size(); g++) {
        check(gates.get(g), policy, root + "spec.components[" + c + "].gates[" + g + "]", errors);
      }
    }
    List<Gate> gates = release.spec().gates();
    for (int g = 0; g < gates.size(); g++) {
      check(gates.get(g), policy, root + "spec.gates[" + g + "]", errors);
    }
    return errors;
  }

  private static void check(Gate gate, Policy policy, String path, List<ErrorDetail> errors) {
    if (gate == null) {
      return;
    }
    String name = "gate " + gate.name();
    if (gate.http() != null) {
      http(gate.http(), policy, name, path + ".http", errors);
    }
    if (gate.prometheus() != null && gate.prometheus().address() != null) {
      String server = gate.prometheus().address();
      if (!SERVER_NAME.matcher(server).matches()) {
        errors.add(
            error(
                path + ".prometheus.address",
                name
                    + ": address must name a Prometheus server configured for the platform, not a"
                    + " URL or an address"));
      } else if (!policy.prometheusServers().contains(server)) {
        errors.add(
            error(
                path + ".prometheus.address",
                name
                    + ": the Prometheus server '"
                    + server
                    + "' is not configured for the platform (gates.prometheus-servers: "
                    + policy.prometheusServers().stream().sorted().toList()
                    + ")"));
      }
    }
    if (gate.sql() != null
        && (gate.sql().datasource() == null
            || !policy.datasources().contains(gate.sql().datasource()))) {
      errors.add(
          error(
              path + ".sql.datasource",
              name
                  + ": the datasource '"
                  + gate.sql().datasource()
                  + "' is not configured for the platform (gates.datasources: "
                  + policy.datasources().stream().sorted().toList()
                  + ")"));
    }
  }

  private static void http(
      Gate.HttpCheck http, Policy policy, String name, String path, List<ErrorDetail> errors) {
    String method = http.method() == null ? "GET" : http.method().trim().toUpperCase(Locale.ROOT);
    if (!method.equals("GET") && !method.equals("HEAD")) {
      errors.add(
          error(
              path + ".method",
              name + ": method " + method + " is not allowed: a gate only reads (GET or HEAD)"));
    }
    URI uri;
    try {
      uri = URI.create(http.url());
    } catch (IllegalArgumentException | NullPointerException e) {
      errors.add(error(path + ".url", name + ": the URL is not a URL"));
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      errors.add(error(path + ".url", name + ": only http and https URLs may be asked"));
      return;
    }
    if (uri.getHost() == null) {
      errors.add(error(path + ".url", name + ": the URL names no host"));
      return;
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    List<HostPattern> allowed = patterns(policy.httpHosts());
    Optional<InetAddress> literal = SpecialAddresses.literal(host);
    Optional<String> special = literal.flatMap(SpecialAddresses::kind);
    if (special.isPresent()) {
      InetAddress address = literal.get();
      if (allowed.stream().noneMatch(p -> p.admits(address, port))) {
        errors.add(
            error(
                path + ".url",
                name
                    + ": "
                    + host
                    + " is a "
                    + special.get()
                    + " address, which gates may not reach unless the platform's"
                    + " gates.http-hosts names it as an address"));
        return;
      }
    } else if (SpecialAddresses.isSpecialName(host)) {
      errors.add(
          error(
              path + ".url",
              name
                  + ": "
                  + host
                  + " names a loopback or metadata address, which gates may not reach (write the"
                  + " address and allow it by address in gates.http-hosts)"));
      return;
    } else if (SpecialAddresses.isOddNumericHost(host)) {
      errors.add(
          error(
              path + ".url",
              name + ": " + host + " is not a plain address (write an IPv4 address as a.b.c.d)"));
      return;
    }
    if (allowed.stream().noneMatch(p -> p.matches(host, port))) {
      errors.add(
          error(
              path + ".url",
              name
                  + ": "
                  + host
                  + ":"
                  + port
                  + " is not on the platform's allow-list (gates.http-hosts: "
                  + policy.httpHosts()
                  + ")"));
      return;
    }
    if (http.headers() != null) {
      for (Map.Entry<String, String> header : http.headers().entrySet()) {
        String value = header.getValue();
        if (value == null || !value.startsWith("secret:")) {
          continue;
        }
        String secret =
            value
                .substring("secret:".length())
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "-");
        List<HostPattern> bound = patterns(policy.secretHosts().getOrDefault(secret, List.of()));
        if (bound.stream().noneMatch(p -> p.matches(host, port))) {
          errors.add(
              error(
                  path + ".headers." + header.getKey(),
                  name
                      + ": the secret "
                      + secret
                      + " is not bound to "
                      + host
                      + ":"
                      + port
                      + " (gates.secret-hosts."
                      + secret
                      + ": "
                      + policy.secretHosts().getOrDefault(secret, List.of())
                      + ")"));
        }
      }
    }
  }

  private static ErrorDetail error(String path, String message) {
    return new ErrorDetail(GATE_NOT_ALLOWED, path, message);
  }

  private static List<HostPattern> patterns(List<String> entries) {
    List<HostPattern> patterns = new ArrayList<>();
    for (String entry : entries) {
      HostPattern.parse(entry).ifPresent(patterns::add);
    }
    return patterns;
  }
}
