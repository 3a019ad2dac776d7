package dev.lockstep.planner.planning;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Delivery;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.model.Versions;
import dev.lockstep.planner.ordering.WaveOrdering;
import dev.lockstep.planner.ordering.WaveOrdering.Change;
import dev.lockstep.planner.ordering.WaveOrdering.Kind;
import dev.lockstep.planner.ordering.WaveOrdering.OrderedWave;
import dev.lockstep.planner.risk.RiskAssessment;
import dev.lockstep.planner.validation.ReleaseChecks;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plans an upgrade (DESIGN section 5) as a pure function of an {@link UpgradeRequest} and a clock:
 * the release is checked, the changes are ordered into compatible waves by {@link WaveOrdering},
 * and each change becomes its steps (backup, drain, migrate, the change itself, restore replicas)
 * followed by the wave's gates. The result is a plan or every problem at once.
 */
public final class UpgradePlanner {
  /** How long a drained component is expected to be down, besides its migration. */
  static final Duration DRAIN_DOWNTIME = Duration.ofMinutes(1);

  /** A migration's expected length when it states no timeout. */
  static final Duration DEFAULT_MIGRATION = Duration.ofMinutes(5);

  private UpgradePlanner() {}

  /** The plan of the request, or every reason why there is none. */
  public static PlanningResult plan(UpgradeRequest request, Clock clock) {
    Release release = request.release();
    String base = request.base() == null ? "" : request.base();
    String prefix = base.isEmpty() ? "" : base + ".";
    List<ErrorDetail> errors = new ArrayList<>(ReleaseChecks.check(release, base));
    errors.addAll(Windows.check(request.window(), clock.instant(), "window"));
    if (release == null || release.spec() == null) {
      return new PlanningResult.Rejected(errors);
    }
    Map<String, RunningComponent> current = new HashMap<>();
    for (RunningComponent r : request.current()) {
      current.put(r.name(), r);
    }
    errors.addAll(namespaces(request, current, prefix));
    if (!errors.isEmpty()) {
      return new PlanningResult.Rejected(errors);
    }
    WaveOrdering.Ordering ordering =
        WaveOrdering.order(release.layers(), request.current(), release.spec().components(), base);
    if (!ordering.errors().isEmpty()) {
      return new PlanningResult.Rejected(ordering.errors());
    }
    Map<String, Component> byName = new HashMap<>();
    for (Component c : release.spec().components()) {
      byName.put(c.name(), c);
    }
    List<Wave> waves = new ArrayList<>();
    List<VersionChange> versions = new ArrayList<>();
    RiskAssessment risk = new RiskAssessment();
    Duration downtime = Duration.ZERO;
    for (OrderedWave ow : ordering.waves()) {
      int index = waves.size();
      List<PlanStep> steps = new ArrayList<>();
      List<PlannedGate> gates = new ArrayList<>();
      Duration waveDowntime = Duration.ZERO;
      for (Change change : ow.changes()) {
        RunningComponent running = current.get(change.component());
        Component target = byName.get(change.component());
        String from = running == null ? null : running.version();
        String layer = target != null ? target.layer() : running.layer();
        risk.layer(ow.layer());
        if (change.kind() == Kind.REMOVE) {
          steps.add(
              step(index, steps.size(), change.component(), StepAction.REMOVE, from, null)
                  .targets(running.objects())
                  .build());
          versions.add(new VersionChange(change.component(), layer, from, null));
          risk.removal(change.component());
          continue;
        }
        String to = target.version();
        versions.add(new VersionChange(change.component(), layer, from, to));
        waveDowntime = max(waveDowntime, componentSteps(index, steps, target, from, risk));
        for (Gate g : target.gates()) {
          gates.add(new PlannedGate(g.name(), g.kind(), target.name(), g));
        }
      }
      for (Gate g : release.spec().gates()) {
        gates.add(new PlannedGate(g.name(), g.kind(), null, g));
      }
      downtime = downtime.plus(waveDowntime);
      waves.add(new Wave(index, ow.layer(), steps, gates));
    }
    Plan plan =
        new Plan(
            request.upgradeId(),
            request.platform(),
            PlanMode.UPGRADE,
            request.fromRelease(),
            release.metadata().version(),
            versions,
            waves,
            risk.assess(downtime),
            downtime,
            request.window(),
            null,
            release.metadata().notes());
    return new PlanningResult.Planned(plan);
  }

  /** Adds one component's steps; returns how long the component is expected to be down. */
  private static Duration componentSteps(
      int wave, List<PlanStep> steps, Component c, String from, RiskAssessment risk) {
    String to = c.version();
    if (from == null) {
      risk.install(c.name());
    } else {
      long fromMajor = Versions.version(from).map(org.semver4j.Semver::getMajor).orElse(0);
      long toMajor = Versions.version(to).map(org.semver4j.Semver::getMajor).orElse(0);
      if (fromMajor != toMajor) {
        risk.major(c.name(), fromMajor, toMajor);
      }
    }
    if (from != null && c.stateful()) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.BACKUP, from, to)
              .workload(c.workload())
              .backup(c.backup())
              .build());
      risk.stateful(c.name());
    }
    Duration downtime = Duration.ZERO;
    if (!c.drain().isEmpty()) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.DRAIN, from, to)
              .targets(c.drain())
              .build());
      downtime = DRAIN_DOWNTIME;
    }
    if (c.migration() != null) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.MIGRATE, from, to)
              .workload(c.workload())
              .migration(c.migration())
              .build());
      risk.migration(c.name());
      if (!c.drain().isEmpty()) {
        Duration length = GoDuration.parse(c.migration().timeout()).orElse(DEFAULT_MIGRATION);
        downtime = downtime.plus(length);
      }
    }
    Delivery delivery = c.delivery();
    StepBuilder change =
        switch (delivery) {
          case IMAGE ->
              step(wave, steps.size(), c.name(), StepAction.SET_IMAGE, from, to)
                  .workload(c.workload())
                  .image(c.image());
          case MANIFESTS ->
              step(wave, steps.size(), c.name(), StepAction.APPLY, from, to).objects(c.manifests());
          case HELM ->
              step(wave, steps.size(), c.name(), StepAction.APPLY, from, to)
                  .message(
                      "render chart "
                          + c.helm().chart()
                          + " "
                          + c.helm().version()
                          + " and apply it");
          case CUSTOM_RESOURCE ->
              step(wave, steps.size(), c.name(), StepAction.PATCH_RESOURCE, from, to)
                  .customResource(c.customResource());
        };
    steps.add(change.build());
    if (!c.drain().isEmpty()) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.RESTORE_REPLICAS, from, to)
              .targets(c.drain())
              .build());
    }
    return downtime;
  }

  /** Every namespace a changed component would touch that the platform does not allow. */
  private static List<ErrorDetail> namespaces(
      UpgradeRequest request, Map<String, RunningComponent> current, String prefix) {
    List<ErrorDetail> errors = new ArrayList<>();
    Set<String> allowed = request.allowedNamespaces();
    if (allowed == null) {
      return errors;
    }
    List<Component> components = request.release().spec().components();
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      if (c == null || c.name() == null) {
        continue;
      }
      RunningComponent running = current.get(c.name());
      if (running != null && Objects.equals(running.version(), c.version())) {
        continue;
      }
      String path = prefix + "spec.components[" + i + "]";
      Map<String, String> touched = new java.util.LinkedHashMap<>();
      if (c.workload() != null) {
        touched.put(path + ".workload.namespace", c.workload().namespace());
      }
      for (int d = 0; d < c.drain().size(); d++) {
        touched.put(path + ".drain[" + d + "].namespace", c.drain().get(d).namespace());
      }
      if (c.customResource() != null) {
        touched.put(path + ".customResource.namespace", c.customResource().namespace());
      }
      if (c.helm() != null && c.helm().namespace() != null) {
        touched.put(path + ".helm.namespace", c.helm().namespace());
      }
      if (c.manifests() != null) {
        for (int m = 0; m < c.manifests().size(); m++) {
          Object meta = c.manifests().get(m).get("metadata");
          if (meta instanceof Map<?, ?> md && md.get("namespace") instanceof String ns) {
            touched.put(path + ".manifests[" + m + "].metadata.namespace", ns);
          }
        }
      }
      for (Map.Entry<String, String> t : touched.entrySet()) {
        if (t.getValue() != null && !allowed.contains(t.getValue())) {
          errors.add(
              new ErrorDetail(
                  Codes.NAMESPACE_NOT_ALLOWED,
                  t.getKey(),
                  "component '"
                      + c.name()
                      + "' touches namespace '"
                      + t.getValue()
                      + "', which platform "
                      + request.platform()
                      + " does not allow (allowed: "
                      + new java.util.TreeSet<>(allowed)
                      + ")"));
        }
      }
    }
    Set<String> inRelease = new LinkedHashSet<>();
    components.forEach(c -> inRelease.add(c == null ? null : c.name()));
    for (RunningComponent r : request.current()) {
      if (inRelease.contains(r.name())) {
        continue;
      }
      for (ObjectRef o : r.objects()) {
        if (o.namespace() != null && !allowed.contains(o.namespace())) {
          errors.add(
              new ErrorDetail(
                  Codes.NAMESPACE_NOT_ALLOWED,
                  "current." + r.name(),
                  "removing component '"
                      + r.name()
                      + "' touches namespace '"
                      + o.namespace()
                      + "', which platform "
                      + request.platform()
                      + " does not allow"));
        }
      }
    }
    return errors;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  static StepBuilder step(
      int wave, int index, String component, StepAction action, String from, String to) {
    return new StepBuilder("s-" + wave + "-" + (index + 1), component, action, from, to);
  }
}
