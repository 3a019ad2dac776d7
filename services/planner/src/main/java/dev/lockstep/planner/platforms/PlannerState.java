package dev.lockstep.planner.platforms;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObservedWorkload;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.Semver;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.rollback.RollbackRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The planner's working state, a fold over its three topics: the release catalogue, each platform's
 * inventory, and every upgrade with its request, plan and outcome (from which the active upgrade
 * and the queue of each platform follow). Folding is idempotent and gives the same state in any
 * interleaving of the topics, so a restart rebuilds it by reading them again. Not thread-safe:
 * {@link PlannerCore} serialises access.
 */
public final class PlannerState {
  private static final java.util.Set<StepAction> DELIVERIES =
      java.util.Set.of(StepAction.SET_IMAGE, StepAction.APPLY, StepAction.PATCH_RESOURCE);

  private final Map<String, TreeMap<String, Release>> catalogue = new HashMap<>();
  private final Map<String, LinkedHashMap<String, RunningComponent>> inventory = new HashMap<>();
  private final Map<String, Map<String, String>> requiresAt = new HashMap<>();
  private final Map<String, String> platformRelease = new HashMap<>();

  /** The release each platform's workloads declare, for a platform no upgrade has ended on yet. */
  private final Map<String, String> observedRelease = new HashMap<>();

  private final Map<String, UpgradeRecord> upgrades = new LinkedHashMap<>();

  /**
   * Platform to component to the step (upgrade id, step id) that last applied a bundle to it, in
   * the order of the execution log; resolved to the step's objects only when asked, since the plan
   * that holds them may be folded after the step's result.
   */
  private final Map<String, Map<String, List<String>>> lastApplied = new HashMap<>();

  private long sequence;

  private final StepHistory stepHistory = new StepHistory();

  /** Platform to what the executor last observed on it, workloads and images included. */
  private final Map<String, InventoryObserved> lastObserved = new HashMap<>();

  /** Folds one event of any of the planner's topics. */
  public void apply(EventEnvelope event) {
    Object data = event.data();
    if (data instanceof UpgradeRequested r) {
      UpgradeRecord rec = record(upgradeIdOf(event, r));
      if (!rec.requested) {
        rec.requested = true;
        rec.platform = r.platform();
        rec.request = r;
        rec.requestedBy = r.requestedBy();
        rec.reason = r.reason();
        rec.requestEventId = event.id();
        rec.requestTraceparent = event.traceparent();
        rec.sequence = sequence++;
      }
    } else if (data instanceof RollbackRequested r) {
      UpgradeRecord rec = record(rollbackIdOf(event));
      if (!rec.requested) {
        rec.requested = true;
        rec.platform = r.platform();
        rec.rollbackTarget = r.upgradeId();
        rec.requestedBy = r.requestedBy();
        rec.reason = r.reason();
        rec.requestEventId = event.id();
        rec.requestTraceparent = event.traceparent();
        rec.sequence = sequence++;
      }
    } else if (data instanceof PlanCreated c) {
      UpgradeRecord rec = record(c.plan().upgradeId());
      rec.plan = c.plan();
      rec.platform = c.plan().platform();
      if (rec.requestedBy == null) {
        rec.requestedBy = c.requestedBy();
      }
      if (c.plan().mode() == PlanMode.ROLLBACK && rec.rollbackTarget == null) {
        rec.rollbackTarget = c.plan().rollbackOf();
      }
    } else if (data instanceof PlanRejected r) {
      UpgradeRecord rec = record(r.upgradeId());
      if (rec.platform == null) {
        rec.platform = r.platform();
      }
      boolean answersTheRequest =
          r.requestType() != null
              && (r.requestType().endsWith(".upgrade.requested")
                  || r.requestType().endsWith(".rollback.requested"));
      if (rec.plan == null && answersTheRequest) {
        rec.rejected = true;
      }
    } else if (data instanceof UpgradeCancelled c) {
      UpgradeRecord rec = record(c.upgradeId());
      rec.platform = rec.platform == null ? c.platform() : rec.platform;
      rec.cancelEmitted = true;
      if (!c.wasRunning()) {
        rec.cancelledWhileQueued = true;
      }
    } else if (data instanceof UpgradePaused p) {
      record(p.upgradeId()).paused = true;
    } else if (data instanceof UpgradeResumed r) {
      record(r.upgradeId()).paused = false;
      record(r.upgradeId()).heldByWindow = false;
    } else if (data instanceof UpgradeWindowClosed w) {
      UpgradeRecord rec = record(w.upgradeId());
      if (!w.notAfter().equals(rec.windowClosedAt)) {
        // the same window closing again (a redelivery) is answered once
        rec.heldByWindow = true;
        rec.windowClosedAt = w.notAfter();
        rec.waveNotStarted = w.wave();
      }
    } else if (data instanceof UpgradeRescheduled r) {
      record(r.upgradeId()).heldByWindow = false;
    } else if (data instanceof StepApproved a) {
      record(a.upgradeId()).approvedSteps.add(a.stepId());
    } else if (data instanceof InventoryObserved o) {
      observe(o);
    } else if (data instanceof StepStarted s) {
      stepHistory.started(s, event.time());
    } else if (data instanceof StepFailed f) {
      stepHistory.failed(f.upgradeId(), f.stepId());
    } else if (data instanceof StepSucceeded s) {
      stepSucceeded(event.platform(), s);
      stepHistory.succeeded(event.platform(), s, event.time());
    } else if (data instanceof UpgradeCompleted c) {
      UpgradeRecord rec = record(c.upgradeId());
      rec.completed = true;
      if (rec.plan != null && rec.plan.toRelease() != null) {
        platformRelease.put(c.platform(), rec.plan.toRelease());
      }
    } else if (data instanceof UpgradeFailed f) {
      UpgradeRecord rec = record(f.upgradeId());
      rec.platform = rec.platform == null ? f.platform() : rec.platform;
      rec.failed = true;
      rec.failureHistory = f.history();
      rec.failureReason = f.reason();
    } else if (data instanceof RollbackCompleted c) {
      UpgradeRecord rec = record(c.upgradeId());
      rec.rollbackEnded = true;
      if (rec.plan != null) {
        // the platform runs again the release the rolled-back upgrade came from (unknown: none)
        if (rec.plan.toRelease() != null) {
          platformRelease.put(c.platform(), rec.plan.toRelease());
        } else {
          platformRelease.remove(c.platform());
        }
      }
    } else if (data instanceof RollbackFailed f) {
      record(f.upgradeId()).rollbackEnded = true;
    }
    // other types carry nothing the planner keeps
  }

  /** The id an upgrade request gets: its own, or one derived from the event (stable on replay). */
  public static String upgradeIdOf(EventEnvelope event, UpgradeRequested r) {
    return r.upgradeId() != null && !r.upgradeId().isBlank() ? r.upgradeId() : "up-" + event.id();
  }

  /** The id of the rollback a {@code rollback.requested} event asks for. */
  public static String rollbackIdOf(EventEnvelope event) {
    return "rb-" + event.id();
  }

  /** The id of the automatic rollback of a failed upgrade. */
  public static String automaticRollbackId(String failedUpgradeId) {
    return "rb-" + failedUpgradeId;
  }

  /** Adds a release to the catalogue (the caller has checked it). */
  public void addRelease(Release release) {
    if (release == null || release.metadata() == null || release.spec() == null) {
      return;
    }
    catalogue
        .computeIfAbsent(release.metadata().name(), k -> new TreeMap<>(PlannerState::bySemver))
        .put(release.metadata().version(), release);
    for (Component c : release.spec().components()) {
      if (c != null && c.name() != null) {
        requiresAt.put(RollbackRequest.at(c.name(), c.version()), c.requires());
      }
    }
  }

  private static int bySemver(String a, String b) {
    Optional<org.semver4j.Semver> va = Semver.version(a);
    Optional<org.semver4j.Semver> vb = Semver.version(b);
    if (va.isPresent() && vb.isPresent()) {
      return va.get().compareTo(vb.get());
    }
    return a.compareTo(b);
  }

  private void observe(InventoryObserved o) {
    LinkedHashMap<String, RunningComponent> components = new LinkedHashMap<>();
    for (InventoryComponent c : o.components()) {
      List<ObjectRef> objects = new ArrayList<>();
      for (ObservedWorkload w : c.workloads()) {
        objects.add(ObjectRef.of(w.kind(), w.namespace(), w.name()));
      }
      components.put(
          c.name(), new RunningComponent(c.name(), c.layer(), c.version(), c.requires(), objects));
      requiresAt.putIfAbsent(RollbackRequest.at(c.name(), c.version()), c.requires());
    }
    inventory.put(o.platform(), components);
    lastObserved.put(o.platform(), o);
    if (o.release() != null) {
      observedRelease.put(o.platform(), o.release());
    } else {
      observedRelease.remove(o.platform());
    }
  }

  private void stepSucceeded(String platform, StepSucceeded s) {
    UpgradeRecord rec = record(s.upgradeId());
    boolean fresh =
        rec.outcomes.putIfAbsent(
                s.stepId(),
                new StepOutcome(
                    s.stepId(),
                    s.component(),
                    s.action(),
                    s.from(),
                    s.to(),
                    s.before(),
                    s.snapshot()))
            == null;
    String p = rec.platform != null ? rec.platform : platform;
    if (!fresh) {
      // a duplicate result changes nothing, and must not make an older bundle the last one
    } else if (s.action() == StepAction.APPLY && s.to() != null) {
      lastApplied
          .computeIfAbsent(p, k -> new HashMap<>())
          .put(s.component(), List.of(s.upgradeId(), s.stepId()));
    } else if (s.action() == StepAction.REMOVE
        || (s.action() == StepAction.APPLY && s.to() == null)) {
      lastApplied.getOrDefault(p, new HashMap<>()).remove(s.component());
    }
    LinkedHashMap<String, RunningComponent> inv =
        inventory.computeIfAbsent(p, k -> new LinkedHashMap<>());
    RunningComponent old = inv.get(s.component());
    switch (s.action()) {
      case SET_IMAGE, APPLY, PATCH_RESOURCE -> {
        if (s.to() == null) {
          inv.remove(s.component());
          return;
        }
        String layer = old != null ? old.layer() : layerInPlan(rec, s.component());
        Map<String, String> requires =
            requiresAt.getOrDefault(
                RollbackRequest.at(s.component(), s.to()), old == null ? Map.of() : old.requires());
        List<ObjectRef> objects = old != null ? old.objects() : List.of();
        if (objects.isEmpty()) {
          objects =
              s.before().stream()
                  .map(b -> new ObjectRef(b.apiVersion(), b.kind(), b.namespace(), b.name()))
                  .toList();
        }
        inv.put(
            s.component(), new RunningComponent(s.component(), layer, s.to(), requires, objects));
      }
      case REMOVE -> inv.remove(s.component());
      case RESTORE_SNAPSHOT, RESTORE_REPLICAS, BACKUP, DRAIN, MIGRATE, APPROVE -> {
        // these leave the version as it is
      }
    }
  }

  private static String layerInPlan(UpgradeRecord rec, String component) {
    if (rec.plan == null) {
      return null;
    }
    return rec.plan.versions().stream()
        .filter(v -> v.component().equals(component))
        .map(VersionChange::layer)
        .findFirst()
        .orElse(null);
  }

  /** What the executor last observed on a platform, when it has. */
  public Optional<InventoryObserved> lastObserved(String platform) {
    return Optional.ofNullable(lastObserved.get(platform));
  }

  /** What each step of a plan on {@code platform} is expected to take, from its earlier steps. */
  public java.util.function.Function<dev.lockstep.events.v1.PlanStep, java.time.Duration>
      typicalSteps(String platform) {
    return stepHistory.typical(platform);
  }

  private UpgradeRecord record(String id) {
    return upgrades.computeIfAbsent(id, UpgradeRecord::new);
  }

  /** Every platform the state has seen. */
  public java.util.Set<String> platforms() {
    java.util.Set<String> all = new java.util.LinkedHashSet<>(inventory.keySet());
    upgrades
        .values()
        .forEach(
            u -> {
              if (u.platform != null) {
                all.add(u.platform);
              }
            });
    return all;
  }

  /** True when a rollback of the upgrade was planned. */
  public boolean rolledBack(String upgradeId) {
    return upgrades.values().stream()
        .anyMatch(u -> u.plan != null && upgradeId.equals(u.plan.rollbackOf()));
  }

  /** An upgrade by id. */
  public Optional<UpgradeRecord> upgrade(String id) {
    return Optional.ofNullable(upgrades.get(id));
  }

  /** The active upgrade of a platform, if any. */
  public Optional<UpgradeRecord> active(String platform) {
    return upgrades.values().stream()
        .filter(u -> platform.equals(u.platform) && u.active())
        .min(Comparator.comparingLong(u -> u.sequence));
  }

  /** The queue of a platform, oldest first. */
  public List<UpgradeRecord> queue(String platform) {
    return upgrades.values().stream()
        .filter(u -> platform.equals(u.platform) && u.queued())
        .sorted(Comparator.comparingLong(u -> u.sequence))
        .toList();
  }

  /** Failed upgrades of a platform whose automatic rollback is not planned yet. */
  public List<UpgradeRecord> awaitingRollback(String platform) {
    return upgrades.values().stream()
        .filter(u -> platform.equals(u.platform) && u.failed && !u.failureHistory.isEmpty())
        .filter(
            u -> {
              UpgradeRecord rb = upgrades.get(automaticRollbackId(u.upgradeId));
              return rb == null || (rb.plan == null && !rb.rejected);
            })
        .toList();
  }

  /** What runs on a platform. */
  public List<RunningComponent> inventory(String platform) {
    return List.copyOf(inventory.getOrDefault(platform, new LinkedHashMap<>()).values());
  }

  /**
   * The release the platform runs: the one its last ended upgrade (or rollback) reached, else the
   * one its workloads declare, if known.
   */
  public Optional<String> platformRelease(String platform) {
    String known = platformRelease.get(platform);
    return Optional.ofNullable(known != null ? known : observedRelease.get(platform));
  }

  /** The requirements of a component at a version, where a release or inventory said them. */
  public Map<String, Map<String, String>> requiresAt() {
    return Map.copyOf(requiresAt);
  }

  /** A catalogued release. */
  public Optional<Release> release(String product, String version) {
    TreeMap<String, Release> versions = catalogue.get(product);
    return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
  }

  /** Every catalogued release, by product, oldest version first. */
  public List<Release> releases() {
    List<Release> all = new ArrayList<>();
    catalogue.values().forEach(v -> all.addAll(v.values()));
    return all;
  }

  /**
   * Per component of a platform, the objects of the bundle last applied to it (an upgrade's {@code
   * apply} step, or a rollback's), as its plan holds them; a component whose last bundle is unknown
   * is absent.
   */
  public Map<String, List<Map<String, Object>>> appliedBundles(String platform) {
    Map<String, List<Map<String, Object>>> bundles = new HashMap<>();
    lastApplied
        .getOrDefault(platform, Map.of())
        .forEach(
            (component, at) ->
                step(at.get(0), at.get(1))
                    .map(PlanStep::objects)
                    .ifPresent(objects -> bundles.put(component, objects)));
    return bundles;
  }

  /** A step of a planned upgrade or rollback. */
  public Optional<PlanStep> step(String upgradeId, String stepId) {
    UpgradeRecord u = upgrades.get(upgradeId);
    if (u == null || u.plan == null) {
      return Optional.empty();
    }
    return u.plan.waves().stream()
        .flatMap(w -> w.steps().stream())
        .filter(st -> st.id().equals(stepId))
        .findFirst();
  }

  /**
   * For the rollback dependency closure: per component, the step of the plan that delivered it in
   * the most recent completed upgrade of the platform that changed it (what {@link #lastChanges}
   * reports the outcomes of).
   */
  public Map<String, PlanStep> lastDeliveries(String platform, String except) {
    Map<String, PlanStep> last = new HashMap<>();
    upgrades.values().stream()
        .filter(u -> platform.equals(u.platform) && u.completed && !u.upgradeId.equals(except))
        .sorted(Comparator.comparingLong(u -> u.sequence))
        .forEach(
            u -> {
              for (StepOutcome o : u.outcomes.values()) {
                step(u.upgradeId, o.stepId())
                    .filter(st -> DELIVERIES.contains(st.action()))
                    .ifPresent(st -> last.put(o.component(), st));
              }
            });
    return last;
  }

  /**
   * For the rollback dependency closure: each component's steps in the most recent completed
   * upgrade of the platform that changed it.
   */
  public Map<String, List<StepOutcome>> lastChanges(String platform, String except) {
    Map<String, List<StepOutcome>> last = new HashMap<>();
    upgrades.values().stream()
        .filter(u -> platform.equals(u.platform) && u.completed && !u.upgradeId.equals(except))
        .sorted(Comparator.comparingLong(u -> u.sequence))
        .forEach(
            u -> {
              Map<String, List<StepOutcome>> mine = new LinkedHashMap<>();
              for (StepOutcome o : u.outcomes.values()) {
                mine.computeIfAbsent(o.component(), k -> new ArrayList<>()).add(o);
              }
              last.putAll(mine);
            });
    return last;
  }
}
