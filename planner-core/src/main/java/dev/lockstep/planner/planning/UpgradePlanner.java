package dev.lockstep.planner.planning;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.Delivery;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Quiet;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.bundles.Bundles;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.ordering.WaveOrdering;
import dev.lockstep.planner.ordering.WaveOrdering.Change;
import dev.lockstep.planner.ordering.WaveOrdering.Kind;
import dev.lockstep.planner.ordering.WaveOrdering.OrderedWave;
import dev.lockstep.planner.risk.RiskAssessment;
import dev.lockstep.planner.validation.GateReach;
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
    ReleaseChecks.Checked checked = ReleaseChecks.checkAndResolve(release, base);
    List<ErrorDetail> errors = new ArrayList<>(checked.errors());
    errors.addAll(Windows.check(request.window(), clock.instant(), "window"));
    if (release == null || release.spec() == null) {
      return new PlanningResult.Rejected(errors);
    }
    errors.addAll(request.bundles().errors());
    errors.addAll(namespaces(request, prefix));
    errors.addAll(resourceFields(request, prefix));
    errors.addAll(GateReach.check(release, request.gateReach(), base));
    if (!errors.isEmpty()) {
      return new PlanningResult.Rejected(errors);
    }
    WaveOrdering.Ordering ordering =
        WaveOrdering.order(
            release.layers(),
            request.current(),
            release.spec().components(),
            base,
            checked.resolved());
    if (!ordering.errors().isEmpty()) {
      return new PlanningResult.Rejected(ordering.errors());
    }
    // the release's components by name, made when a drain's quiet first names one
    Map<String, Component> byName = new HashMap<>();
    List<Wave> waves = new ArrayList<>();
    List<VersionChange> versions = new ArrayList<>();
    RiskAssessment risk = new RiskAssessment();
    Duration downtime = Duration.ZERO;
    // ExpectedDuration.of(plan), summed as the steps are made: each component is in one change
    Duration expected = Duration.ZERO;
    for (OrderedWave ow : ordering.waves()) {
      int index = waves.size();
      List<PlanStep> steps = new ArrayList<>();
      List<PlannedGate> gates = new ArrayList<>();
      Duration waveDowntime = Duration.ZERO;
      Duration slowest = Duration.ZERO;
      for (Change change : ow.changes()) {
        int first = steps.size();
        RunningComponent running = change.running();
        Component target = change.target();
        String from = running == null ? null : running.version();
        String layer = target != null ? target.layer() : running.layer();
        risk.layer(ow.layer());
        if (change.kind() == Kind.REMOVE) {
          steps.add(
              step(index, steps.size(), change.component(), StepAction.REMOVE, from, null)
                  .targets(removals(running, request.applied().get(change.component())))
                  .build());
          versions.add(new VersionChange(change.component(), layer, from, null));
          risk.removal(change.component());
          slowest = max(slowest, ExpectedDuration.typical(steps, first));
          continue;
        }
        String to = target.version();
        versions.add(new VersionChange(change.component(), layer, from, to));
        waveDowntime =
            max(
                waveDowntime,
                componentSteps(index, steps, target, from, change, risk, request, byName));
        slowest = max(slowest, ExpectedDuration.typical(steps, first));
        if (!target.gates().isEmpty()) { // an empty List.of() still makes an iterator
          for (Gate g : target.gates()) {
            gates.add(new PlannedGate(g.name(), g.kind(), target.name(), g));
          }
        }
      }
      for (Gate g : release.spec().gates()) {
        gates.add(new PlannedGate(g.name(), g.kind(), null, g));
      }
      downtime = downtime.plus(waveDowntime);
      Wave wave = new Wave(index, ow.layer(), steps, gates);
      expected = expected.plus(slowest).plus(ExpectedDuration.slowestGate(wave));
      waves.add(wave);
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
    return new PlanningResult.Planned(plan.withExpectedDuration(expected));
  }

  /** Adds one component's steps; returns how long the component is expected to be down. */
  private static Duration componentSteps(
      int wave,
      List<PlanStep> steps,
      Component c,
      String from,
      Change ordered,
      RiskAssessment risk,
      UpgradeRequest request,
      Map<String, Component> byName) {
    String to = c.version();
    if (from == null) {
      risk.install(c.name());
    } else {
      // as read by the wave ordering: Versions.version(from) and Versions.version(to)
      long fromMajor = ordered.runningVersion() == null ? 0 : ordered.runningVersion().getMajor();
      long toMajor = ordered.targetVersion() == null ? 0 : ordered.targetVersion().getMajor();
      if (fromMajor != toMajor) {
        risk.major(c.name(), fromMajor, toMajor);
      }
    }
    if (from != null && c.stateful()) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.BACKUP, from, to)
              .retries(c.retries())
              .workload(c.workload())
              .backup(c.backup())
              .build());
      risk.stateful(c.name());
    }
    Duration downtime = Duration.ZERO;
    if (!c.drain().isEmpty() || c.quiet() != null) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.DRAIN, from, to)
              .retries(c.retries())
              .targets(c.drain())
              .quiet(quietWait(c.quiet(), request.release(), byName))
              .build());
      downtime = c.drain().isEmpty() ? downtime : DRAIN_DOWNTIME;
    }
    if (c.migration() != null) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.MIGRATE, from, to)
              .retries(c.retries())
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
          case MANIFESTS -> apply(wave, steps, c, from, request);
          case HELM ->
              apply(wave, steps, c, from, request)
                  .message(
                      "chart "
                          + c.helm().chart()
                          + " "
                          + c.helm().version()
                          + " rendered as Helm release "
                          + c.name()
                          + (c.helm().namespace() == null
                              ? ""
                              : " in namespace " + c.helm().namespace())
                          + " with the release's values");
          case CUSTOM_RESOURCE ->
              step(wave, steps.size(), c.name(), StepAction.PATCH_RESOURCE, from, to)
                  .customResource(c.customResource());
        };
    steps.add(change.retries(c.retries()).build());
    if (!c.drain().isEmpty()) {
      steps.add(
          step(wave, steps.size(), c.name(), StepAction.RESTORE_REPLICAS, from, to)
              .retries(c.retries())
              .targets(c.drain())
              .build());
    }
    return downtime;
  }

  /**
   * A drain's wait for quiet, each listed component of the release (by name; the release checks
   * leave one component per name) with its workload, or null for none.
   */
  private static QuietWait quietWait(Quiet quiet, Release release, Map<String, Component> byName) {
    if (quiet == null) {
      return null;
    }
    if (byName.isEmpty()) {
      for (Component c : release.spec().components()) {
        byName.putIfAbsent(c.name(), c);
      }
    }
    List<QuietWait.Source> sources = new ArrayList<>();
    for (String name : quiet.components()) {
      Component listed = byName.get(name);
      if (listed != null && listed.workload() != null) {
        sources.add(new QuietWait.Source(name, listed.workload()));
      }
    }
    return new QuietWait(
        sources,
        quiet.period(),
        quiet.deadline() == null ? Quiet.DEFAULT_DEADLINE : quiet.deadline());
  }

  /**
   * The apply step of a bundle: every object of the new bundle (a chart rendered), and as targets
   * the objects of the bundle applied last that the new one lacks, which the executor deletes.
   */
  private static StepBuilder apply(
      int wave, List<PlanStep> steps, Component c, String from, UpgradeRequest request) {
    List<Map<String, Object>> objects = request.bundles().of(c).orElse(List.of());
    List<Map<String, Object>> last = request.applied().get(c.name());
    return step(wave, steps.size(), c.name(), StepAction.APPLY, from, c.version())
        .objects(objects)
        .targets(last == null ? List.of() : Bundles.dropped(last, objects));
  }

  /** What a removal deletes: the component's observed objects and its last applied bundle. */
  private static List<ObjectRef> removals(
      RunningComponent running, List<Map<String, Object>> lastApplied) {
    List<ObjectRef> refs = new ArrayList<>(running.objects());
    if (lastApplied != null) {
      for (Map<String, Object> object : lastApplied) {
        ObjectRef ref = Bundles.ref(object);
        if (refs.stream().noneMatch(r -> Bundles.same(r, ref))) {
          refs.add(ref);
        }
      }
    }
    return refs;
  }

  /**
   * Every {@code set} path of a custom resource that the resource does not have, where the planner
   * knows the resource: from a bundle of this release, or from the bundle that last applied it. A
   * resource the planner has not seen is checked by the executor, against the cluster.
   */
  private static List<ErrorDetail> resourceFields(UpgradeRequest request, String prefix) {
    List<ErrorDetail> errors = new ArrayList<>();
    List<Component> components = request.release().spec().components();
    Map<SameObject, Seen> seen = null;
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      if (c == null || c.customResource() == null) {
        continue;
      }
      CustomResource cr = c.customResource();
      if (seen == null) {
        seen = seenObjects(request);
      }
      Seen found = seen.get(new SameObject(cr.kind(), cr.namespace(), cr.name()));
      if (found == null) {
        continue;
      }
      Map<String, Object> known = found.object();
      String source = found.source();
      for (String field : cr.set().keySet()) {
        if (Bundles.at(known, field).isEmpty()) {
          errors.add(
              new ErrorDetail(
                  Codes.INVALID_MANIFEST,
                  prefix + "spec.components[" + i + "].customResource.set." + field,
                  "component '"
                      + c.name()
                      + "' sets '"
                      + field
                      + "', which "
                      + cr.kind()
                      + " "
                      + cr.namespace()
                      + "/"
                      + cr.name()
                      + " does not have (as in "
                      + source
                      + ")"));
        }
      }
    }
    return errors;
  }

  /**
   * Every object the planner has seen, by what {@link Bundles#same} compares, with where it was
   * seen first: in the bundles of this release (in the release's order), then in the bundles
   * applied last. Read once, not once per custom resource.
   */
  private static Map<SameObject, Seen> seenObjects(UpgradeRequest request) {
    Map<SameObject, Seen> seen = new HashMap<>();
    for (Component other : request.release().spec().components()) {
      if (other == null) {
        continue;
      }
      for (Map<String, Object> o : request.bundles().of(other).orElse(List.of())) {
        seen.computeIfAbsent(
            SameObject.of(Bundles.ref(o)),
            k -> new Seen(o, "the bundle of component '" + other.name() + "' in this release"));
      }
    }
    for (Map.Entry<String, List<Map<String, Object>>> applied : request.applied().entrySet()) {
      for (Map<String, Object> o : applied.getValue()) {
        seen.computeIfAbsent(
            SameObject.of(Bundles.ref(o)),
            k -> new Seen(o, "the bundle component '" + applied.getKey() + "' applied last"));
      }
    }
    return seen;
  }

  /** An object's identity as {@link Bundles#same} sees it: the API version does not count. */
  private record SameObject(String kind, String namespace, String name) {
    static SameObject of(ObjectRef ref) {
      return new SameObject(ref.kind(), ref.namespace(), ref.name());
    }
  }

  /** An object the planner has seen, and where. */
  private record Seen(Map<String, Object> object, String source) {}

  /** Every namespace a changed component would touch that the platform does not allow. */
  private static List<ErrorDetail> namespaces(UpgradeRequest request, String prefix) {
    List<ErrorDetail> errors = new ArrayList<>();
    Set<String> allowed = request.allowedNamespaces();
    if (allowed == null) {
      return errors;
    }
    Map<String, RunningComponent> current = new HashMap<>();
    for (RunningComponent r : request.current()) {
      current.put(r.name(), r);
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
      List<Touch> touched = new ArrayList<>();
      if (c.workload() != null) {
        touched.add(new Touch(path + ".workload.namespace", c.workload().namespace(), null));
      }
      for (int d = 0; d < c.drain().size(); d++) {
        touched.add(
            new Touch(path + ".drain[" + d + "].namespace", c.drain().get(d).namespace(), null));
      }
      if (c.customResource() != null) {
        touched.add(
            new Touch(path + ".customResource.namespace", c.customResource().namespace(), null));
      }
      if (c.helm() != null && c.helm().namespace() != null) {
        touched.add(new Touch(path + ".helm.namespace", c.helm().namespace(), null));
      }
      List<Map<String, Object>> bundle = request.bundles().of(c).orElse(List.of());
      boolean helm = c.delivery() == Delivery.HELM;
      Map<String, List<String>> rendered = new java.util.LinkedHashMap<>();
      List<String> clusterScoped = new ArrayList<>();
      for (int m = 0; m < bundle.size(); m++) {
        ObjectRef ref = Bundles.ref(bundle.get(m));
        String ns = ref.namespace();
        if (ns == null) {
          // The executor acts only inside the platform's namespaces: a cluster-scoped object
          // (a ClusterRole, a CustomResourceDefinition, a Namespace) is outside all of them.
          if (helm) {
            clusterScoped.add(ref.kind() + " '" + ref.name() + "'");
          } else {
            errors.add(
                clusterScoped(
                    request,
                    c,
                    path + ".manifests[" + m + "]",
                    List.of(ref.kind() + " '" + ref.name() + "'")));
          }
          continue;
        }
        if (helm) {
          // one error per namespace of the rendered objects; the chart's own is reported above
          if (!ns.equals(c.helm().namespace())) {
            rendered
                .computeIfAbsent(ns, k -> new ArrayList<>())
                .add(ref.kind() + " '" + ref.name() + "'");
          }
        } else {
          touched.add(
              new Touch(
                  path + ".manifests[" + m + "].metadata.namespace",
                  ns,
                  ref.kind() + " '" + ref.name() + "'"));
        }
      }
      if (!clusterScoped.isEmpty()) {
        errors.add(clusterScoped(request, c, path + ".helm", clusterScoped));
      }
      rendered.forEach(
          (ns, objects) ->
              touched.add(
                  new Touch(
                      path + ".helm", ns, "its chart renders " + String.join(", ", objects))));
      List<Map<String, Object>> last = request.applied().get(c.name());
      if (last != null && (helm || c.delivery() == Delivery.MANIFESTS)) {
        for (ObjectRef gone : Bundles.dropped(last, bundle)) {
          touched.add(
              new Touch(
                  path + (helm ? ".helm" : ".manifests"),
                  gone.namespace(),
                  "deleting "
                      + gone.kind()
                      + " '"
                      + gone.name()
                      + "', which its last bundle had and this one lacks"));
        }
      }
      for (Touch t : touched) {
        if (t.namespace() != null && !allowed.contains(t.namespace())) {
          errors.add(
              new ErrorDetail(
                  Codes.NAMESPACE_NOT_ALLOWED,
                  t.path(),
                  "component '"
                      + c.name()
                      + "' touches namespace '"
                      + t.namespace()
                      + "'"
                      + (t.what() == null ? "" : " (" + t.what() + ")")
                      + ", which platform "
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

  private static ErrorDetail clusterScoped(
      UpgradeRequest request, Component c, String path, List<String> objects) {
    return new ErrorDetail(
        Codes.NAMESPACE_NOT_ALLOWED,
        path,
        "component '"
            + c.name()
            + "' "
            + (c.delivery() == Delivery.HELM ? "renders " : "applies ")
            + String.join(", ", objects)
            + ", outside every namespace: platform "
            + request.platform()
            + " lets Lockstep act only in its namespaces "
            + new java.util.TreeSet<>(request.allowedNamespaces())
            + "; install cluster-scoped objects outside Lockstep");
  }

  /** A namespace a component touches, where the request says so, and what touches it. */
  private record Touch(String path, String namespace, String what) {}

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  static StepBuilder step(
      int wave, int index, String component, StepAction action, String from, String to) {
    return new StepBuilder("s-" + wave + "-" + (index + 1), component, action, from, to);
  }
}
