package dev.lockstep.planner.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.Semver;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.UpgradePlanner;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Over random layered dependency graphs (random running versions, random bumps, random ranges on
 * old and new versions, removed and new components): every plan goes bottom-up by layer and in
 * {@code requires} order, keeps every intermediate state compatible and ends at the release; every
 * rejection names the components in conflict; and a release whose ranges always hold and whose
 * components require only their own or lower layers is never rejected.
 */
class UpgradeOrderingPropertyTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

  /** A random platform and release. */
  record Scenario(Release release, List<RunningComponent> current, long seed) {
    @Override
    public String toString() {
      return "seed " + seed + ": current " + current + "\nrelease " + release.spec().components();
    }
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Arbitraries.longs().map(seed -> generate(seed, false));
  }

  @Provide
  Arbitrary<Scenario> lenientScenarios() {
    return Arbitraries.longs().map(seed -> generate(seed, true));
  }

  static Scenario generate(long seed, boolean lenient) {
    Random random = new Random(seed);
    int layerCount = 1 + random.nextInt(3);
    List<String> layers = TestingReleases.LAYERS.subList(0, layerCount);
    int n = 1 + random.nextInt(12);
    String[] names = new String[n];
    String[] layerOf = new String[n];
    int[] curMajor = new int[n];
    int[] tgtMajor = new int[n];
    boolean[] running = new boolean[n];
    boolean[] inRelease = new boolean[n];
    for (int i = 0; i < n; i++) {
      names[i] = "c" + i;
      layerOf[i] = layers.get(random.nextInt(layerCount));
      running[i] = random.nextDouble() < 0.85;
      inRelease[i] = !running[i] || random.nextDouble() < 0.9;
      curMajor[i] = 1 + random.nextInt(3);
      double bump = random.nextDouble();
      tgtMajor[i] = bump < 0.35 ? curMajor[i] + 1 : curMajor[i];
    }
    List<RunningComponent> current = new ArrayList<>();
    List<Component> components = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (running[i]) {
        Map<String, String> requires = new LinkedHashMap<>();
        for (int j = 0; j < n; j++) {
          if (j != i && running[j] && random.nextDouble() < 0.25) {
            requires.put(
                names[j],
                lenient || random.nextBoolean()
                    ? ">=" + curMajor[j] + ".0.0"
                    : "^" + curMajor[j] + ".0.0");
          }
        }
        current.add(TestingReleases.running(names[i], layerOf[i], curMajor[i] + ".0.0", requires));
      }
      if (inRelease[i]) {
        Map<String, String> requires = new LinkedHashMap<>();
        for (int j = 0; j < i; j++) {
          boolean downwards = layers.indexOf(layerOf[j]) <= layers.indexOf(layerOf[i]);
          if (inRelease[j] && (downwards || !lenient) && random.nextDouble() < 0.3) {
            int pick = random.nextInt(3);
            String range =
                lenient
                    ? ">=0.0.0"
                    : switch (pick) {
                      case 0 -> "^" + tgtMajor[j] + ".0.0";
                      case 1 -> ">=" + curMajor[j] + ".0.0";
                      default -> "^" + curMajor[j] + ".0.0";
                    };
            requires.put(names[j], range);
          }
        }
        String version =
            tgtMajor[i]
                + "."
                + (running[i] && tgtMajor[i] == curMajor[i] && random.nextBoolean() ? "0" : "1")
                + ".0";
        components.add(TestingReleases.image(names[i], layerOf[i], version, requires));
      }
    }
    Release release =
        new Release(
            Release.API_VERSION,
            Release.KIND,
            new dev.lockstep.manifest.ReleaseMetadata("dataos", "2.0.0", null),
            new dev.lockstep.manifest.ReleaseSpec(layers, components, List.of()));
    return new Scenario(release, current, seed);
  }

  @Property(tries = 500)
  void everyPlanIsOrderedAndCompatibleAndEveryRejectionNamesTheComponents(
      @ForAll("scenarios") Scenario s) {
    PlanningResult result =
        UpgradePlanner.plan(TestingReleases.request(s.release(), s.current()), CLOCK);
    String outcome = result instanceof PlanningResult.Planned ? "planned" : "rejected";
    Statistics.label("outcome")
        .collect(outcome)
        .coverage(
            c -> {
              c.check("planned").percentage(pct -> pct > 20);
              c.check("rejected").percentage(pct -> pct > 5);
            });

    if (result instanceof PlanningResult.Planned planned) {
      checkPlan(s, planned.plan());
    } else {
      List<ErrorDetail> errors = ((PlanningResult.Rejected) result).errors();
      assertThat(errors).isNotEmpty();
      Set<String> names = new HashSet<>();
      s.release().spec().components().forEach(c -> names.add(c.name()));
      s.current().forEach(c -> names.add(c.name()));
      for (ErrorDetail e : errors) {
        assertThat(e.code())
            .isIn(
                Codes.UNSATISFIABLE_REQUIREMENT,
                Codes.INCOMPATIBLE_INTERMEDIATE_STATE,
                Codes.UNKNOWN_DEPENDENCY);
        long named =
            names.stream()
                .filter(name -> e.message().matches("(?s).*\\b" + name + "\\b.*"))
                .count();
        assertThat(named)
            .as("components named in %s", e)
            .isGreaterThanOrEqualTo(e.code().equals(Codes.UNKNOWN_DEPENDENCY) ? 1 : 2);
        assertThat(
                e.path().startsWith("release.spec.components[") || e.path().startsWith("current."))
            .as(e.toString())
            .isTrue();
      }
    }
  }

  @Property(tries = 300)
  void aReleaseWhoseRangesAlwaysHoldIsAlwaysPlanned(@ForAll("lenientScenarios") Scenario s) {
    PlanningResult result =
        UpgradePlanner.plan(TestingReleases.request(s.release(), s.current()), CLOCK);

    assertThat(result).as(s.toString()).isInstanceOf(PlanningResult.Planned.class);
    checkPlan(s, result.planOrThrow());
  }

  private static void checkPlan(Scenario s, Plan plan) {
    List<String> layers = s.release().layers();
    Map<String, Component> target = new HashMap<>();
    s.release().spec().components().forEach(c -> target.put(c.name(), c));
    Map<String, String> version = new HashMap<>();
    Map<String, Map<String, String>> requires = new HashMap<>();
    Map<String, String> layerOf = new HashMap<>();
    for (RunningComponent r : s.current()) {
      Component t = target.get(r.name());
      boolean same = t != null && t.version().equals(r.version());
      version.put(r.name(), r.version());
      requires.put(r.name(), same ? t.requires() : r.requires());
      layerOf.put(r.name(), r.layer());
    }
    target.values().forEach(c -> layerOf.put(c.name(), c.layer()));
    Set<String> initiallyBroken = broken(version, requires);
    Map<String, Integer> waveOf = new HashMap<>();
    int lastUpgradeLayer = -1;
    for (Wave wave : plan.waves()) {
      Set<String> upgraded = new HashSet<>();
      for (PlanStep step : wave.steps()) {
        if (step.action() == StepAction.SET_IMAGE) {
          upgraded.add(step.component());
          assertThat(waveOf.put(step.component(), wave.index()))
              .as("changed once: " + step.component())
              .isNull();
          version.put(step.component(), step.to());
          requires.put(step.component(), target.get(step.component()).requires());
        } else if (step.action() == StepAction.REMOVE) {
          version.remove(step.component());
          requires.remove(step.component());
        }
      }
      if (!upgraded.isEmpty()) {
        int layer = layers.indexOf(wave.layer());
        assertThat(layer).as("bottom-up").isGreaterThanOrEqualTo(lastUpgradeLayer);
        for (String c : upgraded) {
          assertThat(layerOf.get(c)).isEqualTo(wave.layer());
        }
        lastUpgradeLayer = layer;
      }
      Set<String> nowBroken = broken(version, requires);
      nowBroken.removeAll(initiallyBroken);
      assertThat(nowBroken).as("state after wave " + wave.index() + " of " + s).isEmpty();
    }
    for (Component c : target.values()) {
      assertThat(version.get(c.name())).as("final version of " + c.name()).isEqualTo(c.version());
      for (String dep : c.requires().keySet()) {
        if (waveOf.containsKey(c.name())
            && waveOf.containsKey(dep)
            && layerOf.get(dep).equals(c.layer())) {
          assertThat(waveOf.get(dep))
              .as(c.name() + " after " + dep)
              .isLessThan(waveOf.get(c.name()));
        }
      }
    }
    assertThat(version.keySet()).containsExactlyInAnyOrderElementsOf(target.keySet());
    Set<String> changed = new HashSet<>();
    for (VersionChange v : plan.versions()) {
      changed.add(v.component());
    }
    assertThat(changed).containsAll(waveOf.keySet());
  }

  private static Set<String> broken(
      Map<String, String> version, Map<String, Map<String, String>> requires) {
    Set<String> broken = new HashSet<>();
    for (Map.Entry<String, Map<String, String>> e : requires.entrySet()) {
      for (Map.Entry<String, String> req : e.getValue().entrySet()) {
        String v = version.get(req.getKey());
        if (v == null || !Semver.satisfies(v, req.getValue())) {
          broken.add(e.getKey() + "->" + req.getKey());
        }
      }
    }
    return broken;
  }
}
