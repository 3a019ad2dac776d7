package dev.lockstep.planner.platforms;

import dev.lockstep.planner.validation.GateReach;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configured platforms ({@code lockstep.platforms.<id>.namespaces: [...]}) and the namespaces
 * the executor may touch on each. A request for a platform not configured here is rejected.
 *
 * <p>Also what each platform's gates may reach ({@code lockstep.platforms.<id>.gates}: {@code
 * http-hosts}, {@code secret-hosts.<secret>}, {@code prometheus-servers}, {@code datasources}; see
 * docs/gates.md): a release whose gates reach further is rejected. Nothing is reachable when
 * nothing is configured.
 *
 * <p>And who may approve its steps ({@code lockstep.platforms.<id>.approvers}): an approval that
 * arrives on Kafka from another producer than the planner's API is obeyed only from one of them.
 */
public class PlatformPolicy {
  private Map<String, Map<String, List<String>>> platforms = new HashMap<>();
  private final Map<String, GateReach.Policy> gates = new HashMap<>();
  private final Map<String, List<String>> approvers = new HashMap<>();

  /** The platforms, as configured. */
  public Map<String, Map<String, List<String>>> getPlatforms() {
    return platforms;
  }

  public void setPlatforms(Map<String, Map<String, List<String>>> platforms) {
    this.platforms = platforms == null ? new HashMap<>() : platforms;
  }

  /** A policy read from the configuration tree under {@code lockstep.platforms}. */
  @SuppressWarnings("unchecked")
  public static PlatformPolicy fromTree(Map<String, Object> tree) {
    Map<String, List<String>> namespaces = new HashMap<>();
    Map<String, GateReach.Policy> gates = new HashMap<>();
    if (tree != null) {
      tree.forEach(
          (platform, settings) -> {
            Object reach = settings instanceof Map<?, ?> m ? m.get("gates") : null;
            if (reach instanceof Map<?, ?> g) {
              Map<String, List<String>> secretHosts = new HashMap<>();
              if (g.get("secret-hosts") instanceof Map<?, ?> secrets) {
                secrets.forEach((k, v) -> secretHosts.put(String.valueOf(k), strings(v)));
              }
              gates.put(
                  platform,
                  new GateReach.Policy(
                      strings(g.get("http-hosts")),
                      secretHosts,
                      Set.copyOf(strings(g.get("prometheus-servers"))),
                      Set.copyOf(strings(g.get("datasources")))));
            }
          });
      tree.forEach(
          (platform, settings) -> {
            Object ns = settings instanceof Map<?, ?> m ? m.get("namespaces") : null;
            if (ns instanceof List<?> list) {
              namespaces.put(platform, list.stream().map(String::valueOf).toList());
            } else if (ns instanceof String text) {
              namespaces.put(
                  platform,
                  java.util.Arrays.stream(text.split(","))
                      .map(String::trim)
                      .filter(t -> !t.isEmpty())
                      .toList());
            } else {
              namespaces.put(platform, List.of());
            }
          });
    }
    PlatformPolicy policy = of(namespaces);
    gates.forEach(policy::gates);
    if (tree != null) {
      tree.forEach(
          (platform, settings) -> {
            if (settings instanceof Map<?, ?> m && m.get("approvers") != null) {
              policy.approvers(platform, strings(m.get("approvers")));
            }
          });
    }
    return policy;
  }

  /**
   * Sets who may approve a platform's steps ({@code lockstep.platforms.<id>.approvers}: subjects of
   * tokens, {@code *} for any characters); returns this policy.
   */
  public PlatformPolicy approvers(String platform, List<String> subjects) {
    approvers.put(platform, List.copyOf(subjects));
    return this;
  }

  /** The configured approvers of a platform; empty when none are configured. */
  public Optional<List<String>> approvers(String platform) {
    return Optional.ofNullable(platform == null ? null : approvers.get(platform));
  }

  /** True when the platform names approvers and the subject is one of them. */
  public boolean isApprover(String platform, String subject) {
    return subject != null
        && approvers(platform)
            .map(
                list ->
                    list.stream()
                        .anyMatch(
                            p ->
                                java.util.regex.Pattern.matches(
                                    java.util.Arrays.stream(p.split("\\*", -1))
                                        .map(java.util.regex.Pattern::quote)
                                        .collect(java.util.stream.Collectors.joining(".*")),
                                    subject)))
            .orElse(false);
  }

  /** A list of strings from configuration: a list, or a comma-separated string. */
  private static List<String> strings(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).map(String::trim).toList();
    }
    if (value instanceof String text) {
      return java.util.Arrays.stream(text.split(","))
          .map(String::trim)
          .filter(t -> !t.isEmpty())
          .toList();
    }
    return List.of();
  }

  /** Sets what a platform's gates may reach (for tests and local mode); returns this policy. */
  public PlatformPolicy gates(String platform, GateReach.Policy reach) {
    gates.put(platform, reach);
    return this;
  }

  /** What a platform's gates may reach: nothing beyond the cluster when none is configured. */
  public GateReach.Policy gateReach(String platform) {
    return platform == null
        ? GateReach.Policy.NOTHING
        : gates.getOrDefault(platform, GateReach.Policy.NOTHING);
  }

  /** A policy from a map of platform id to namespaces (for tests and local mode). */
  public static PlatformPolicy of(Map<String, List<String>> namespaces) {
    PlatformPolicy policy = new PlatformPolicy();
    Map<String, Map<String, List<String>>> platforms = new HashMap<>();
    namespaces.forEach((p, ns) -> platforms.put(p, Map.of("namespaces", ns)));
    policy.setPlatforms(platforms);
    return policy;
  }

  /** The allowed namespaces of a platform; empty when the platform is not configured. */
  public Optional<Set<String>> namespaces(String platform) {
    if (platform == null) {
      return Optional.empty();
    }
    Map<String, List<String>> settings = platforms.get(platform);
    if (settings == null) {
      return Optional.empty();
    }
    List<String> ns = settings.get("namespaces");
    return Optional.of(ns == null ? Set.of() : Set.copyOf(ns));
  }
}
