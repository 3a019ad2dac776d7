package dev.lockstep.cli.soak;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.testkit.cluster.ClusterOperation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * "Every cluster mutation applied once in effect", from the simulated cluster's operation log and
 * the events: each accepted write of the code under test (Leases aside) in a platform's namespaces
 * is attributed to the step that was under way when it arrived and that names its object (a
 * workload, target, custom resource, bundle object or recorded before-state; for a migration, a
 * backup or a snapshot restore, the Jobs, VolumeSnapshots or claims it creates in the workload's
 * namespace). A write no step accounts for, or a step that made the same write (method, object,
 * subresource) twice, is a violation: a restarted, frozen or second executor acted again on what
 * was done. A pure function.
 */
final class MutationChecks {
  /** How far a write may arrive before its step's intent or after its result (clocks, queues). */
  static final Duration SLACK = Duration.ofSeconds(2);

  /** A step's time on the cluster and what it names. */
  record StepWindow(
      String platform,
      String upgradeId,
      String stepId,
      StepAction action,
      Instant from,
      Instant to,
      Set<String> objects,
      Set<String> createdIn) {

    boolean covers(ClusterOperation op) {
      return !op.time().isBefore(from.minus(SLACK)) && !op.time().isAfter(to.plus(SLACK));
    }

    boolean names(ClusterOperation op) {
      return objects.contains(op.kind() + "/" + op.namespace() + "/" + op.name())
          || createdIn.contains(op.kind() + "/" + op.namespace());
    }
  }

  private MutationChecks() {}

  /**
   * @param events every event of the platforms
   * @param operations the operation log, all of it
   * @param namespaces each platform's namespaces
   * @param end when the soak's checks began: the end of a step that never ended
   * @param counted takes the number of writes attributed to a step
   * @return the violations
   */
  static List<Violation> check(
      List<EventEnvelope> events,
      List<ClusterOperation> operations,
      Map<String, List<String>> namespaces,
      Instant end,
      int[] counted) {
    Map<String, String> platformOf = new LinkedHashMap<>();
    namespaces.forEach((platform, list) -> list.forEach(ns -> platformOf.put(ns, platform)));
    return check(windows(events, end), operations, platformOf, counted);
  }

  /** The check on given step windows; {@code platformOf} maps a namespace to its platform. */
  static List<Violation> check(
      List<StepWindow> windows, List<ClusterOperation> operations, Map<String, String> platformOf) {
    return check(windows, operations, platformOf, new int[1]);
  }

  static List<Violation> check(
      List<StepWindow> windows,
      List<ClusterOperation> operations,
      Map<String, String> platformOf,
      int[] counted) {
    Map<String, Integer> writes = new TreeMap<>();
    Map<String, ClusterOperation> first = new java.util.HashMap<>();
    List<Violation> violations = new ArrayList<>();
    for (ClusterOperation op : operations) {
      if (!op.byCodeUnderTest() || !op.succeeded() || op.isLease() || op.namespace() == null) {
        continue;
      }
      String platform = platformOf.get(op.namespace());
      if (platform == null) {
        continue;
      }
      StepWindow owner = owner(windows, platform, op);
      if (owner == null) {
        violations.add(
            new Violation(
                Invariant.ONCE.id(),
                platform,
                null,
                "a write no step under way accounts for: " + op + " at " + op.time()));
        continue;
      }
      counted[0]++;
      String key =
          owner.upgradeId()
              + " "
              + owner.stepId()
              + " ("
              + owner.action().wire()
              + ")|"
              + op.method()
              + " "
              + op.kind()
              + " "
              + op.namespace()
              + "/"
              + op.name()
              + (op.subresource() == null ? "" : "/" + op.subresource());
      int count = writes.merge(key, 1, Integer::sum);
      ClusterOperation earlier = first.putIfAbsent(key, op);
      if (count == 2) {
        String[] parts = key.split("\\|");
        violations.add(
            new Violation(
                Invariant.ONCE.id(),
                platform,
                owner.upgradeId(),
                "step "
                    + parts[0]
                    + ", under way from "
                    + owner.from()
                    + " to "
                    + owner.to()
                    + ", made the write "
                    + parts[1]
                    + " twice: "
                    + earlier
                    + " at "
                    + earlier.time()
                    + ", and "
                    + op
                    + " at "
                    + op.time()));
      }
    }
    return violations;
  }

  /**
   * The step a write belongs to: of the steps that name its object, the one under way when it
   * arrived (the latest started, when several were); failing that, the one whose time is nearest to
   * it within {@link #SLACK}.
   */
  static StepWindow owner(List<StepWindow> windows, String platform, ClusterOperation op) {
    StepWindow exact = null;
    StepWindow near = null;
    long nearest = Long.MAX_VALUE;
    for (StepWindow window : windows) {
      if (!window.platform().equals(platform) || !window.names(op)) {
        continue;
      }
      boolean inside = !op.time().isBefore(window.from()) && !op.time().isAfter(window.to());
      if (inside) {
        if (exact == null || window.from().isAfter(exact.from())) {
          exact = window;
        }
      } else if (window.covers(op)) {
        long distance =
            Math.min(
                Math.abs(Duration.between(op.time(), window.from()).toMillis()),
                Math.abs(Duration.between(op.time(), window.to()).toMillis()));
        if (distance < nearest) {
          nearest = distance;
          near = window;
        }
      }
    }
    return exact != null ? exact : near;
  }

  /** Each step's window: from its first intent to its last result (or its upgrade's end). */
  static List<StepWindow> windows(List<EventEnvelope> events, Instant end) {
    Map<String, String> platforms = new LinkedHashMap<>();
    Map<String, PlanStep> steps = new LinkedHashMap<>();
    Map<String, Instant> from = new LinkedHashMap<>();
    Map<String, Instant> to = new LinkedHashMap<>();
    Map<String, Instant> upgradeEnd = new LinkedHashMap<>();
    for (EventEnvelope e : events) {
      if (e.data() instanceof PlanCreated p) {
        for (var wave : p.plan().waves()) {
          for (PlanStep step : wave.steps()) {
            steps.putIfAbsent(p.plan().upgradeId() + "/" + step.id(), step);
            platforms.put(p.plan().upgradeId(), p.plan().platform());
          }
        }
      } else if (e.data() instanceof StepStarted s) {
        from.merge(s.upgradeId() + "/" + s.stepId(), e.time(), (a, b) -> a.isBefore(b) ? a : b);
      } else if (e.data() instanceof StepSucceeded s) {
        to.merge(s.upgradeId() + "/" + s.stepId(), e.time(), (a, b) -> a.isAfter(b) ? a : b);
      } else if (e.data() instanceof StepFailed s) {
        to.merge(s.upgradeId() + "/" + s.stepId(), e.time(), (a, b) -> a.isAfter(b) ? a : b);
      } else if (e.data() instanceof UpgradeCompleted
          || e.data() instanceof UpgradeFailed
          || e.data() instanceof RollbackCompleted
          || e.data() instanceof RollbackFailed) {
        upgradeEnd.merge(e.subject(), e.time(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    List<StepWindow> windows = new ArrayList<>();
    from.forEach(
        (key, start) -> {
          PlanStep step = steps.get(key);
          String upgradeId = key.substring(0, key.lastIndexOf('/'));
          if (step == null) {
            return;
          }
          Instant stop = to.getOrDefault(key, upgradeEnd.getOrDefault(upgradeId, end));
          Set<String> objects = new HashSet<>();
          Set<String> createdIn = new HashSet<>();
          if (step.workload() != null) {
            objects.add(
                step.workload().kind()
                    + "/"
                    + step.workload().namespace()
                    + "/"
                    + step.workload().name());
            String ns = step.workload().namespace();
            switch (step.action()) {
              case MIGRATE -> createdIn.add("Job/" + ns);
              case BACKUP -> createdIn.add("VolumeSnapshot/" + ns);
              case RESTORE_SNAPSHOT -> createdIn.add("PersistentVolumeClaim/" + ns);
              default -> {}
            }
          }
          if (step.targets() != null) {
            for (ObjectRef target : step.targets()) {
              objects.add(target.kind() + "/" + target.namespace() + "/" + target.name());
            }
          }
          if (step.customResource() != null) {
            var cr = step.customResource();
            objects.add(cr.kind() + "/" + cr.namespace() + "/" + cr.name());
          }
          if (step.objects() != null) {
            for (Map<String, Object> object : step.objects()) {
              Object metadata = object.get("metadata");
              if (metadata instanceof Map<?, ?> m) {
                objects.add(object.get("kind") + "/" + m.get("namespace") + "/" + m.get("name"));
              }
            }
          }
          if (step.restore() != null) {
            for (ObjectState state : step.restore()) {
              objects.add(state.kind() + "/" + state.namespace() + "/" + state.name());
            }
          }
          windows.add(
              new StepWindow(
                  platforms.get(upgradeId),
                  upgradeId,
                  step.id(),
                  step.action(),
                  start,
                  stop,
                  objects,
                  createdIn));
        });
    return windows;
  }
}
