package dev.lockstep.planner.rollback;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.planner.bundles.Bundles;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.model.Versions;
import dev.lockstep.planner.ordering.RollbackOrdering;
import dev.lockstep.planner.planning.ExpectedDuration;
import dev.lockstep.planner.planning.StepBuilder;
import dev.lockstep.planner.risk.RiskAssessment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plans a rollback (DESIGN section 5) from the before-states the executor recorded, as a pure
 * function: top-down by layer, and within a layer a component before the components it requires
 * ({@link RollbackOrdering}; a cycle within a layer is rejected). Components new in the upgrade are
 * removed; changed ones get their recorded before-state back (restored from the snapshot taken
 * before the change where there is one); a component whose dependency falls below its range rolls
 * back too (the dependency closure); a major-version rollback waits for an approval step first.
 */
public final class RollbackPlanner {
  private static final Set<StepAction> DELIVERIES =
      Set.of(StepAction.SET_IMAGE, StepAction.APPLY, StepAction.PATCH_RESOURCE);

  private RollbackPlanner() {}

  /** One component to roll back, with the steps that changed it. */
  private record Target(String component, List<StepOutcome> outcomes) {
    String from() {
      return outcomes.get(0).from();
    }

    String reached() {
      String reached = from();
      for (StepOutcome o : outcomes) {
        if (DELIVERIES.contains(o.action())) {
          reached = o.to();
        }
      }
      return reached;
    }

    boolean installed() {
      return from() == null && outcomes.stream().anyMatch(o -> DELIVERIES.contains(o.action()));
    }
  }

  /** The rollback plan, or why there can be none. */
  public static PlanningResult plan(RollbackRequest request) {
    Map<String, Target> targets = new LinkedHashMap<>();
    for (StepOutcome o : request.history()) {
      targets
          .computeIfAbsent(o.component(), c -> new Target(c, new ArrayList<>()))
          .outcomes()
          .add(o);
    }
    // A component of which the upgrade only took a snapshot was not changed: nothing to put back
    // (restoring the snapshot would lose what was written since).
    targets
        .values()
        .removeIf(t -> t.outcomes().stream().allMatch(o -> o.action() == StepAction.BACKUP));
    Map<String, RunningComponent> running = new HashMap<>();
    for (RunningComponent r : request.inventory()) {
      running.put(r.name(), r);
    }
    List<ErrorDetail> errors = closure(request, targets, running);
    if (!errors.isEmpty()) {
      return new PlanningResult.Rejected(errors);
    }
    List<RollbackOrdering.Member> members = new ArrayList<>();
    for (Target t : targets.values()) {
      members.add(
          new RollbackOrdering.Member(
              t.component(),
              layerOf(request, running, t.component()),
              requiresOf(request, running, t).keySet()));
    }
    RollbackOrdering.Ordering ordering =
        RollbackOrdering.order(request.layers(), members, "history");
    if (!ordering.errors().isEmpty()) {
      return new PlanningResult.Rejected(ordering.errors());
    }
    List<List<String>> order = ordering.waves();
    List<Wave> waves = new ArrayList<>();
    List<VersionChange> versions = new ArrayList<>();
    RiskAssessment risk = new RiskAssessment();
    for (List<String> group : order) {
      int index = waves.size();
      String layer = layerOf(request, running, group.get(0));
      List<PlanStep> steps = new ArrayList<>();
      for (String name : group) {
        Target t = targets.get(name);
        risk.layer(layer == null ? "unknown" : layer);
        versions.add(
            new VersionChange(
                name,
                layerOf(request, running, name),
                t.reached(),
                t.installed() ? null : t.from()));
        steps(index, steps, t, risk, request.deliveries().get(name), running.get(name));
      }
      waves.add(new Wave(index, layer == null ? "unknown" : layer, steps, List.of()));
    }
    if (!waves.isEmpty()) {
      Wave last = waves.remove(waves.size() - 1);
      waves.add(
          new Wave(
              last.index(), last.layer(), last.steps(), verification(request, targets.keySet())));
    }
    Plan plan =
        new Plan(
            request.upgradeId(),
            request.platform(),
            PlanMode.ROLLBACK,
            request.fromRelease(),
            request.toRelease(),
            versions,
            waves,
            risk.assess(Duration.ZERO),
            Duration.ZERO,
            null,
            request.rollbackOf(),
            null);
    return new PlanningResult.Planned(plan.withExpectedDuration(ExpectedDuration.of(plan)));
  }

  /**
   * Adds every running component whose requirement the rollback breaks, with the steps that last
   * changed it; an error for one with no recorded earlier state.
   */
  private static List<ErrorDetail> closure(
      RollbackRequest request, Map<String, Target> targets, Map<String, RunningComponent> running) {
    List<ErrorDetail> errors = new ArrayList<>();
    // who requires what, each list in the order of running.values(), read once rather than once
    // per component rolled back
    Map<String, List<RunningComponent>> requiredBy = new HashMap<>();
    for (RunningComponent r : running.values()) {
      for (String dep : requiresNow(request, r).keySet()) {
        requiredBy.computeIfAbsent(dep, k -> new ArrayList<>()).add(r);
      }
    }
    Deque<String> work = new ArrayDeque<>(targets.keySet());
    while (!work.isEmpty()) {
      String rolled = work.poll();
      Target t = targets.get(rolled);
      String back = t.installed() ? null : t.from();
      for (RunningComponent r : requiredBy.getOrDefault(rolled, List.of())) {
        if (targets.containsKey(r.name())) {
          continue;
        }
        String range = requiresNow(request, r).get(rolled);
        if (range == null || (back != null && Versions.satisfies(back, range))) {
          continue;
        }
        List<StepOutcome> earlier = request.earlier().get(r.name());
        if (earlier == null || earlier.isEmpty()) {
          errors.add(
              new ErrorDetail(
                  Codes.INCOMPATIBLE_INTERMEDIATE_STATE,
                  "history",
                  "rolling "
                      + rolled
                      + " back to "
                      + (back == null ? "nothing (it was new)" : back)
                      + " breaks "
                      + r.name()
                      + " "
                      + r.version()
                      + ", which requires "
                      + rolled
                      + " '"
                      + range
                      + "', and no earlier state of "
                      + r.name()
                      + " is recorded to roll it back to"));
          continue;
        }
        targets.put(r.name(), new Target(r.name(), new ArrayList<>(earlier)));
        work.add(r.name());
      }
    }
    return errors;
  }

  private static Map<String, String> requiresNow(RollbackRequest request, RunningComponent r) {
    Map<String, String> known = request.requiresAt().get(RollbackRequest.at(r.name(), r.version()));
    return known != null ? known : r.requires();
  }

  private static Map<String, String> requiresOf(
      RollbackRequest request, Map<String, RunningComponent> running, Target t) {
    String reached = t.reached();
    if (reached != null) {
      Map<String, String> known =
          request.requiresAt().get(RollbackRequest.at(t.component(), reached));
      if (known != null) {
        return known;
      }
    }
    RunningComponent r = running.get(t.component());
    return r == null ? Map.of() : r.requires();
  }

  private static String layerOf(
      RollbackRequest request, Map<String, RunningComponent> running, String component) {
    RunningComponent r = running.get(component);
    if (r != null && r.layer() != null) {
      return r.layer();
    }
    return request.layerOf().get(component);
  }

  /** One component's rollback steps. */
  private static void steps(
      int wave,
      List<PlanStep> steps,
      Target t,
      RiskAssessment risk,
      PlanStep delivery,
      RunningComponent running) {
    String name = t.component();
    String reached = t.reached();
    if (t.installed()) {
      if (t.outcomes().stream().anyMatch(o -> o.action() == StepAction.SET_IMAGE)) {
        List<ObjectState> created = new ArrayList<>();
        for (StepOutcome o : t.outcomes()) {
          created.addAll(o.before());
        }
        steps.add(
            step(wave, steps, name, StepAction.REMOVE, reached, null)
                .targets(created.stream().map(RollbackPlanner::ref).distinct().toList())
                .restore(created)
                .build());
      } else {
        uninstall(wave, steps, t, delivery);
      }
      risk.removal(name);
      return;
    }
    String back = t.from();
    long fromMajor = major(reached);
    long backMajor = major(back);
    if (reached != null && back != null && fromMajor > backMajor) {
      steps.add(
          step(wave, steps, name, StepAction.APPROVE, reached, back)
              .message(
                  "Approve the major-version rollback of "
                      + name
                      + " from "
                      + reached
                      + " to "
                      + back
                      + "; data written by "
                      + reached
                      + " may not be readable by "
                      + back)
              .build());
      risk.major(name, fromMajor, backMajor);
    }
    StepOutcome drained = null;
    StepOutcome backup = null;
    boolean migrated = false;
    List<StepOutcome> deliveries = new ArrayList<>();
    for (StepOutcome o : t.outcomes()) {
      migrated |= o.action() == StepAction.MIGRATE;
      if (o.action() == StepAction.DRAIN && drained == null) {
        drained = o;
      } else if (o.action() == StepAction.BACKUP && o.snapshot() != null && backup == null) {
        backup = o;
      } else if (DELIVERIES.contains(o.action())) {
        deliveries.add(o);
      }
    }
    // the snapshot goes back only when the upgrade changed what it holds: a new version ran on it,
    // or a migration
    if (backup != null && (migrated || !deliveries.isEmpty())) {
      steps.add(
          step(wave, steps, name, StepAction.RESTORE_SNAPSHOT, reached, back)
              .workload(backupWorkload(backup, deliveries, running))
              .snapshot(backup.snapshot())
              .restore(backup.before())
              .build());
      risk.snapshotRestore(name);
    }
    if (!deliveries.isEmpty()) {
      StepOutcome first = deliveries.get(0);
      List<ObjectState> before = new ArrayList<>();
      for (StepOutcome o : deliveries) {
        for (ObjectState s : o.before()) {
          if (before.stream().noneMatch(b -> sameObject(b, s))) {
            before.add(s);
          }
        }
      }
      steps.add(putBack(wave, steps, name, first.action(), reached, back, before, delivery));
    }
    // a drain that only waited for quiet scaled nothing, so there is nothing to put back
    if (drained != null && !drained.before().isEmpty()) {
      steps.add(
          step(wave, steps, name, StepAction.RESTORE_REPLICAS, reached, back)
              .targets(drained.before().stream().map(RollbackPlanner::ref).toList())
              .restore(drained.before())
              .build());
    }
  }

  /**
   * The step that puts a component's objects back to their recorded before-states, as a step of the
   * kind that changed them: a {@code set-image} with the recorded image; an {@code apply} whose
   * objects are the recorded manifests of every object that existed (the ones the upgrade replaced
   * and the ones it deleted) and whose targets are the objects the upgrade created; a {@code
   * patch-resource} that sets back the fields the upgrade set and waits for the status the resource
   * had. {@code restore} always lists the before-states themselves.
   */
  private static PlanStep putBack(
      int wave,
      List<PlanStep> steps,
      String name,
      StepAction action,
      String reached,
      String back,
      List<ObjectState> before,
      PlanStep delivery) {
    StepBuilder revert = step(wave, steps, name, action, reached, back).restore(before);
    switch (action) {
      case SET_IMAGE -> {
        if (!before.isEmpty()) {
          ObjectState w = before.get(0);
          revert.workload(workload(w));
          if (w.images() != null && !w.images().isEmpty()) {
            revert.image(w.images().values().iterator().next());
          }
        }
      }
      case APPLY ->
          revert
              .objects(
                  before.stream()
                      .filter(s -> s.exists() && s.manifest() != null)
                      .map(s -> Bundles.withoutServerFields(s.manifest()))
                      .toList())
              .targets(before.stream().filter(s -> !s.exists()).map(RollbackPlanner::ref).toList());
      case PATCH_RESOURCE -> revert.customResource(patchBack(before, delivery));
      default -> {
        // only deliveries are put back this way
      }
    }
    return revert.build();
  }

  /**
   * The rollback of a component the upgrade installed by a bundle or a custom resource: a {@code
   * remove} of the objects it created, then the objects that existed before it (a shared object its
   * bundle replaced, the custom resource it patched) put back.
   */
  private static void uninstall(int wave, List<PlanStep> steps, Target t, PlanStep delivery) {
    String name = t.component();
    String reached = t.reached();
    List<ObjectState> created = new ArrayList<>();
    List<ObjectState> existed = new ArrayList<>();
    StepAction action = null;
    for (StepOutcome o : t.outcomes()) {
      boolean delivered = DELIVERIES.contains(o.action());
      if (delivered && action == null) {
        action = o.action();
      }
      for (ObjectState s : o.before()) {
        List<ObjectState> into = s.exists() ? existed : created;
        if ((s.exists() && !delivered) || into.stream().anyMatch(b -> sameObject(b, s))) {
          continue;
        }
        into.add(s);
      }
    }
    List<ObjectRef> targets = created.stream().map(RollbackPlanner::ref).toList();
    if (created.isEmpty() && existed.isEmpty() && delivery != null && delivery.objects() != null) {
      targets = delivery.objects().stream().map(Bundles::ref).toList();
    }
    if (!targets.isEmpty()) {
      steps.add(
          step(wave, steps, name, StepAction.REMOVE, reached, null)
              .targets(targets)
              .restore(created)
              .build());
    }
    if (!existed.isEmpty() && action != null) {
      steps.add(putBack(wave, steps, name, action, reached, null, existed, delivery));
    }
  }

  /**
   * The patch that puts a custom resource back: each field the upgrade's step set gets the value
   * recorded before (a field that did not exist then is put back by setting its closest recorded
   * parent), and the resource is ready again when the status fields the step waited on hold their
   * recorded values. Without the step, the whole recorded {@code spec} is set back.
   */
  static CustomResource patchBack(List<ObjectState> before, PlanStep delivery) {
    CustomResource forward = delivery == null ? null : delivery.customResource();
    ObjectState state =
        before.stream()
            .filter(
                s ->
                    forward == null
                        || (Objects.equals(s.kind(), forward.kind())
                            && Objects.equals(s.namespace(), forward.namespace())
                            && Objects.equals(s.name(), forward.name())))
            .findFirst()
            .orElse(null);
    if (state == null) {
      return forward == null
          ? null
          : new CustomResource(
              forward.apiVersion(),
              forward.kind(),
              forward.namespace(),
              forward.name(),
              Map.of(),
              Map.of(),
              forward.timeout());
    }
    Map<String, Object> manifest = state.manifest() == null ? Map.of() : state.manifest();
    Map<String, Object> set = new LinkedHashMap<>();
    if (forward == null) {
      Bundles.at(manifest, "spec").ifPresent(spec -> set.put("spec", spec));
    } else {
      for (String field : forward.set().keySet()) {
        String path = field;
        while (path != null && Bundles.at(manifest, path).isEmpty()) {
          int dot = path.lastIndexOf('.');
          path = dot < 0 ? null : path.substring(0, dot);
        }
        if (path != null) {
          set.put(path, Bundles.at(manifest, path).orElseThrow());
        }
      }
      List<String> paths = List.copyOf(set.keySet());
      set.keySet().removeIf(p -> paths.stream().anyMatch(a -> p.startsWith(a + ".")));
    }
    Map<String, Object> readyWhen = new LinkedHashMap<>();
    if (forward != null) {
      for (String field : forward.readyWhen().keySet()) {
        Bundles.at(manifest, field).ifPresent(value -> readyWhen.put(field, value));
      }
    }
    return new CustomResource(
        state.apiVersion(),
        state.kind(),
        state.namespace(),
        state.name(),
        set,
        readyWhen,
        forward == null ? null : forward.timeout());
  }

  private static boolean sameObject(ObjectState a, ObjectState b) {
    return Objects.equals(a.kind(), b.kind())
        && Objects.equals(a.namespace(), b.namespace())
        && Objects.equals(a.name(), b.name());
  }

  private static WorkloadRef workload(ObjectState s) {
    String container =
        s.images() == null || s.images().isEmpty() ? null : s.images().keySet().iterator().next();
    return new WorkloadRef(s.kind(), s.namespace(), s.name(), container);
  }

  private static ObjectRef ref(ObjectState s) {
    return new ObjectRef(s.apiVersion(), s.kind(), s.namespace(), s.name());
  }

  private static long major(String version) {
    return Versions.version(version).map(org.semver4j.Semver::getMajor).orElse(0);
  }

  private static StepBuilder step(
      int wave, List<PlanStep> steps, String component, StepAction action, String from, String to) {
    return new StepBuilder("s-" + wave + "-" + (steps.size() + 1), component, action, from, to);
  }

  /**
   * The workload whose claims a backup snapshotted: its recorded before-state when the executor
   * reported one, else the workload that the component's delivery step changed.
   */
  /**
   * The workload whose volumes a snapshot restore puts back: the backup's own before-state, the
   * workload a set-image changed, or else the component's workload in the inventory.
   */
  private static WorkloadRef backupWorkload(
      StepOutcome backup, List<StepOutcome> deliveries, RunningComponent running) {
    if (!backup.before().isEmpty()) {
      return workload(backup.before().get(0));
    }
    for (StepOutcome o : deliveries) {
      if (o.action() == StepAction.SET_IMAGE && !o.before().isEmpty()) {
        return workload(o.before().get(0));
      }
    }
    if (running != null) {
      for (ObjectRef o : running.objects()) {
        if (WorkloadRef.KINDS.contains(o.kind())) {
          return new WorkloadRef(o.kind(), o.namespace(), o.name(), null);
        }
      }
    }
    return null;
  }

  /**
   * The gates that verify the platform once everything is restored, after the last wave (not
   * between waves, so that a verification failure never stops a rollback halfway): the release's
   * gates and those of the components rolled back, as the upgrade ran them, each once; approvals
   * are not verification.
   */
  static List<PlannedGate> verification(RollbackRequest request, Set<String> components) {
    Map<String, PlannedGate> gates = new LinkedHashMap<>();
    for (PlannedGate gate : request.verification()) {
      boolean relevant = gate.component() == null || components.contains(gate.component());
      if (relevant && !"approval".equals(gate.kind())) {
        gates.putIfAbsent(gate.name(), gate);
      }
    }
    return List.copyOf(gates.values());
  }
}
