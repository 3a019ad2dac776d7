package dev.lockstep.planner.platforms;

import dev.lockstep.events.v1.Window;
import dev.lockstep.planner.validation.GateReach;
import dev.lockstep.planner.windows.RecurringWindow;
import dev.lockstep.planner.windows.WindowPolicy;
import java.time.Instant;
import java.util.ArrayList;
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
 *
 * <p>And its maintenance windows ({@code lockstep.platforms.<id>.windows}: recurring windows such
 * as {@code "Tue,Thu 22:00-02:00 Europe/Berlin"}) and what happens when one closes on a running
 * upgrade ({@code window-policy}: {@code pause}, the default, or {@code rollback}). An invalid spec
 * stops the planner at start, with every problem named.
 */
public class PlatformPolicy {
  private Map<String, Map<String, List<String>>> platforms = new HashMap<>();
  private final Map<String, GateReach.Policy> gates = new HashMap<>();
  private final Map<String, List<String>> approvers = new HashMap<>();
  private final Map<String, WindowPolicy> windowPolicies = new HashMap<>();
  private final Map<String, List<RecurringWindow>> recurringWindows = new HashMap<>();

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
      policy.readWindows(tree);
    }
    return policy;
  }

  /** Reads every platform's windows and window policy; throws with every problem at once. */
  private void readWindows(Map<String, Object> tree) {
    List<String> problems = new ArrayList<>();
    tree.forEach(
        (platform, settings) -> {
          if (!(settings instanceof Map<?, ?> m)) {
            return;
          }
          String prefix = "lockstep.platforms." + platform + ".";
          if (m.get("window-policy") != null) {
            try {
              windowPolicies.put(platform, WindowPolicy.of(String.valueOf(m.get("window-policy"))));
            } catch (IllegalArgumentException e) {
              problems.add(prefix + "window-policy: " + e.getMessage());
            }
          }
          List<RecurringWindow> windows = new ArrayList<>();
          List<String> specs = windowSpecs(m.get("windows"));
          for (int i = 0; i < specs.size(); i++) {
            try {
              windows.add(RecurringWindow.parse(specs.get(i)));
            } catch (IllegalArgumentException e) {
              problems.add(prefix + "windows[" + i + "]: " + e.getMessage());
            }
          }
          if (!windows.isEmpty()) {
            recurringWindows.put(platform, List.copyOf(windows));
          }
        });
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid maintenance windows: " + String.join("; ", problems));
    }
  }

  /** Window specs from configuration: a list, or one string (one spec). */
  private static List<String> windowSpecs(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    return value == null ? List.of() : List.of(String.valueOf(value));
  }

  /** Sets a platform's window policy and recurring windows (for tests); returns this policy. */
  public PlatformPolicy windows(
      String platform, WindowPolicy windowPolicy, List<RecurringWindow> windows) {
    windowPolicies.put(platform, windowPolicy);
    recurringWindows.put(platform, List.copyOf(windows));
    return this;
  }

  /**
   * What happens when a platform's window closes on a running upgrade; {@code pause} by default.
   */
  public WindowPolicy windowPolicy(String platform) {
    return platform == null
        ? WindowPolicy.PAUSE
        : windowPolicies.getOrDefault(platform, WindowPolicy.PAUSE);
  }

  /** The platform's next recurring window that has not ended; empty when it has none. */
  public Optional<Window> nextWindow(String platform, Instant now) {
    return RecurringWindow.nextOf(
        platform == null ? List.of() : recurringWindows.getOrDefault(platform, List.of()), now);
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
