package dev.lockstep.planner.risk;

import dev.lockstep.events.v1.Risk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a plan from 0 (routine) to 100 (dangerous) from the factors DESIGN section 5 names: major
 * version jumps (20 each), stateful changes (10 each), migrations (10 each), removals (5 each), new
 * components (2 each), layers touched (5 each) and expected downtime (2 per minute, at most 20).
 * Each factor is one line that names the components, at most ten of them.
 */
public final class RiskAssessment {
  private final List<String> majors = new ArrayList<>();
  private final List<String> stateful = new ArrayList<>();
  private final List<String> migrations = new ArrayList<>();
  private final List<String> removals = new ArrayList<>();
  private final List<String> installs = new ArrayList<>();
  private final List<String> snapshots = new ArrayList<>();
  private final List<String> layers = new ArrayList<>();

  /** A major version jump of a component, for example {@code poros 1.x -> 2.x}. */
  public RiskAssessment major(String component, long fromMajor, long toMajor) {
    majors.add(component + " " + fromMajor + ".x -> " + toMajor + ".x");
    return this;
  }

  /** A stateful component changes. */
  public RiskAssessment stateful(String component) {
    stateful.add(component);
    return this;
  }

  /** A component runs a migration. */
  public RiskAssessment migration(String component) {
    migrations.add(component);
    return this;
  }

  /** A component is removed. */
  public RiskAssessment removal(String component) {
    removals.add(component);
    return this;
  }

  /** A component is new. */
  public RiskAssessment install(String component) {
    installs.add(component);
    return this;
  }

  /** A component's volumes are restored from a snapshot. */
  public RiskAssessment snapshotRestore(String component) {
    snapshots.add(component);
    return this;
  }

  /** A layer is touched. */
  public RiskAssessment layer(String layer) {
    if (!layers.contains(layer)) {
      layers.add(layer);
    }
    return this;
  }

  /** The score and its factors. */
  public Risk assess(Duration expectedDowntime) {
    long score = 0;
    List<String> factors = new ArrayList<>();
    score += factor(factors, "major version jump", majors, 20);
    score += factor(factors, "stateful change", stateful, 10);
    score += factor(factors, "migration", migrations, 10);
    score += factor(factors, "snapshot restore", snapshots, 10);
    score += factor(factors, "removal", removals, 5);
    score += factor(factors, "new component", installs, 2);
    if (!layers.isEmpty()) {
      factors.add("layers touched: " + layers.size() + " (" + String.join(", ", layers) + ")");
      score += 5L * layers.size();
    }
    long minutes = expectedDowntime.toMinutes();
    if (!expectedDowntime.isZero()) {
      factors.add("expected downtime: " + expectedDowntime);
      score += Math.min(20, 2 * Math.max(1, minutes));
    }
    return new Risk((int) Math.min(100, score), factors);
  }

  private static long factor(List<String> factors, String what, List<String> names, int each) {
    if (names.isEmpty()) {
      return 0;
    }
    String shown = String.join(", ", names.subList(0, Math.min(10, names.size())));
    String more = names.size() > 10 ? " and " + (names.size() - 10) + " more" : "";
    factors.add(what + ": " + shown + more);
    return (long) each * names.size();
  }
}
