package dev.lockstep.cli.soak;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.testkit.cluster.ClusterOperation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The time each hop of the flow took, from the events on the topics (each event's time is its
 * producer's clock; all run on one machine), matched by upgrade id, causation id, and for the steps
 * by component and wave. A pure function of the events (and, for the hops that end in a cluster
 * write, of the simulated cluster's operation log). The soak reports them; so does the
 * orchestration latency benchmark, with the deliberate waits ({@link #waits}) apart.
 */
public final class HopLatencies {
  /**
   * One hop's figures, in milliseconds.
   *
   * @param hop what it goes from and to
   * @param count how many times it was seen
   * @param p50Millis the median
   * @param p99Millis the 99th percentile (nearest rank)
   * @param maxMillis the longest
   */
  public record Hop(String hop, int count, long p50Millis, long p99Millis, long maxMillis) {}

  static final String REQUEST_TO_PLAN = "upgrade.requested -> plan.created";
  static final String PLAN_TO_START = "plan.created -> upgrade.started";
  static final String STEP_TO_NEXT = "step.succeeded -> the component's next step.started";
  static final String WAVE_DONE_TO_GATE = "a wave's last step.succeeded -> gate.requested";
  static final String GATE_PASSED_TO_NEXT = "gate.passed -> next wave's step.started";
  static final String GATE_TO_MEASUREMENT = "gate.requested -> first gate.measured";
  static final String GATE_FAILED_TO_FAILED = "gate.failed -> upgrade.failed";
  static final String FAILED_TO_ROLLBACK_PLAN = "upgrade.failed -> rollback plan.created";
  static final String ROLLBACK_PLAN_TO_START = "rollback plan.created -> rollback upgrade.started";
  static final String ROLLBACK_START_TO_WRITE =
      "rollback upgrade.started -> first rollback cluster write";
  static final String ROLLBACK_START_TO_STEP = "  of which: up to its first step.started";
  static final String ROLLBACK_STEP_TO_WRITE = "  of which: its first step.started -> the write";
  static final String GATE_FAILED_TO_WRITE = "gate.failed -> first rollback cluster write";
  static final String GATE_INTERVAL = "gate.measured -> the gate's next gate.measured";
  static final String STEP_RUN = "step.started -> step.succeeded, ";

  private HopLatencies() {}

  /** The hops of these events, in the order of the flow; hops never seen are left out. */
  public static List<Hop> of(List<EventEnvelope> events) {
    Map<String, EventEnvelope> byId = new HashMap<>();
    Map<String, EventEnvelope> firstPlan = new HashMap<>();
    Map<String, EventEnvelope> firstStart = new HashMap<>();
    Map<String, EventEnvelope> firstFailed = new HashMap<>();
    Map<String, EventEnvelope> firstGateRequest = new HashMap<>();
    Map<String, EventEnvelope> firstMeasurement = new HashMap<>();
    List<EventEnvelope> sorted = new ArrayList<>(events);
    sorted.sort((a, b) -> a.time().compareTo(b.time()));
    for (EventEnvelope e : sorted) {
      byId.putIfAbsent(e.id(), e);
      if (e.data() instanceof PlanCreated p) {
        firstPlan.putIfAbsent(p.plan().upgradeId(), e);
      } else if (e.data() instanceof UpgradeStarted s) {
        firstStart.putIfAbsent(s.upgradeId(), e);
      } else if (e.data() instanceof UpgradeFailed f) {
        firstFailed.putIfAbsent(f.upgradeId(), e);
      } else if (e.data() instanceof GateRequested g) {
        firstGateRequest.putIfAbsent(g.upgradeId() + "/" + g.gateId(), e);
      } else if (e.data() instanceof GateMeasured m) {
        firstMeasurement.putIfAbsent(m.upgradeId() + "/" + m.gateId(), e);
      }
    }
    Map<String, List<Duration>> hops = new LinkedHashMap<>();
    for (String hop :
        List.of(
            REQUEST_TO_PLAN,
            PLAN_TO_START,
            STEP_TO_NEXT,
            WAVE_DONE_TO_GATE,
            GATE_PASSED_TO_NEXT,
            GATE_TO_MEASUREMENT,
            GATE_FAILED_TO_FAILED,
            FAILED_TO_ROLLBACK_PLAN,
            ROLLBACK_PLAN_TO_START)) {
      hops.put(hop, new ArrayList<>());
    }
    for (EventEnvelope e : firstPlan.values()) {
      PlanCreated created = (PlanCreated) e.data();
      String id = created.plan().upgradeId();
      boolean rollback = created.plan().mode() == PlanMode.ROLLBACK;
      EventEnvelope cause = e.causationId() == null ? null : byId.get(e.causationId());
      if (!rollback && cause != null && cause.data() instanceof UpgradeRequested) {
        add(hops, REQUEST_TO_PLAN, cause, e);
      }
      EventEnvelope start = firstStart.get(id);
      if (start != null) {
        add(hops, rollback ? ROLLBACK_PLAN_TO_START : PLAN_TO_START, e, start);
      }
      if (rollback && created.plan().rollbackOf() != null) {
        EventEnvelope failed = firstFailed.get(created.plan().rollbackOf());
        if (failed != null && !failed.time().isAfter(e.time())) {
          add(hops, FAILED_TO_ROLLBACK_PLAN, failed, e);
        }
      }
    }
    // only a component's first step in a wave follows the gate: the executor keeps the last event
    // it consumed as the cause of what it publishes, so a later step of the wave (started when the
    // one before it succeeded, on a worker) names the gate.passed too
    Set<String> startedInWave = new HashSet<>();
    for (EventEnvelope e : sorted) {
      if (e.data() instanceof StepStarted s && s.attempt() == 1 && e.causationId() != null) {
        boolean first = startedInWave.add(s.upgradeId() + "/" + s.wave() + "/" + s.component());
        EventEnvelope cause = byId.get(e.causationId());
        if (first && cause != null && cause.data() instanceof GatePassed) {
          add(hops, GATE_PASSED_TO_NEXT, cause, e);
        }
      } else if (e.data() instanceof GateFailed g) {
        EventEnvelope failed = firstFailed.get(g.upgradeId());
        if (failed != null
            && g.gateId().equals(((UpgradeFailed) failed.data()).failedGateId())
            && !failed.time().isBefore(e.time())) {
          add(hops, GATE_FAILED_TO_FAILED, e, failed);
        }
      }
    }
    // a component's steps in a wave run one after the other: its next step follows its last one;
    // a wave's gates are asked for once its last step succeeded
    Map<String, EventEnvelope> lastSucceeded = new HashMap<>();
    Map<String, EventEnvelope> lastOfWave = new HashMap<>();
    for (EventEnvelope e : sorted) {
      if (e.data() instanceof StepSucceeded s) {
        lastSucceeded.put(s.upgradeId() + "/" + s.wave() + "/" + s.component(), e);
        lastOfWave.put(s.upgradeId() + "/" + s.wave(), e);
      } else if (e.data() instanceof GateRequested g && g.purpose() == GatePurpose.VERIFY) {
        EventEnvelope last = lastOfWave.remove(g.upgradeId() + "/" + g.wave());
        if (last != null) {
          add(hops, WAVE_DONE_TO_GATE, last, e);
        }
      } else if (e.data() instanceof StepStarted s && s.attempt() == 1) {
        EventEnvelope previous =
            lastSucceeded.remove(s.upgradeId() + "/" + s.wave() + "/" + s.component());
        if (previous != null) {
          add(hops, STEP_TO_NEXT, previous, e);
        }
      }
    }
    firstGateRequest.forEach(
        (key, request) -> {
          EventEnvelope measured = firstMeasurement.get(key);
          if (measured != null) {
            add(hops, GATE_TO_MEASUREMENT, request, measured);
          }
        });
    return figures(hops);
  }

  /**
   * How long each rollback took to make its first change on the cluster: from its {@code
   * upgrade.started} (split at its first {@code step.started}: what comes before the intent, and
   * the intent's publication and the change), and from the {@code gate.failed} that failed the
   * upgrade it rolls back. A change is an operation of the code under test in the log (not the
   * simulator's, not a Lease), in one of the platform's namespaces, that arrived at or after the
   * rollback started.
   *
   * @param events the events of the platforms
   * @param operations the simulated cluster's operation log, oldest first
   * @param namespaces each platform's namespaces, by platform id
   */
  public static List<Hop> rollbackWrites(
      List<EventEnvelope> events,
      List<ClusterOperation> operations,
      Map<String, List<String>> namespaces) {
    Map<String, EventEnvelope> firstStart = new HashMap<>();
    Map<String, EventEnvelope> firstStep = new HashMap<>();
    Map<String, EventEnvelope> failedGate = new HashMap<>();
    Map<String, String> rollbackOf = new HashMap<>();
    List<EventEnvelope> sorted = new ArrayList<>(events);
    sorted.sort((a, b) -> a.time().compareTo(b.time()));
    for (EventEnvelope e : sorted) {
      if (e.data() instanceof UpgradeStarted s) {
        firstStart.putIfAbsent(s.upgradeId(), e);
      } else if (e.data() instanceof StepStarted s) {
        firstStep.putIfAbsent(s.upgradeId(), e);
      } else if (e.data() instanceof GateFailed g) {
        failedGate.putIfAbsent(g.upgradeId(), e);
      } else if (e.data() instanceof PlanCreated p
          && p.plan().mode() == PlanMode.ROLLBACK
          && p.plan().rollbackOf() != null) {
        rollbackOf.putIfAbsent(p.plan().upgradeId(), p.plan().rollbackOf());
      }
    }
    // the writes of the code under test in each namespace, by arrival time
    Map<String, TreeMap<Instant, ClusterOperation>> writes = new HashMap<>();
    for (ClusterOperation operation : operations) {
      if (operation.byCodeUnderTest() && !operation.isLease() && operation.namespace() != null) {
        writes
            .computeIfAbsent(operation.namespace(), n -> new TreeMap<>())
            .putIfAbsent(operation.time(), operation);
      }
    }
    Map<String, List<Duration>> hops = new LinkedHashMap<>();
    hops.put(ROLLBACK_START_TO_WRITE, new ArrayList<>());
    hops.put(ROLLBACK_START_TO_STEP, new ArrayList<>());
    hops.put(ROLLBACK_STEP_TO_WRITE, new ArrayList<>());
    hops.put(GATE_FAILED_TO_WRITE, new ArrayList<>());
    rollbackOf.forEach(
        (rollback, upgrade) -> {
          EventEnvelope start = firstStart.get(rollback);
          if (start == null) {
            return;
          }
          Instant first = null;
          for (String namespace : namespaces.getOrDefault(start.platform(), List.of())) {
            TreeMap<Instant, ClusterOperation> inNamespace = writes.get(namespace);
            Instant at = inNamespace == null ? null : inNamespace.ceilingKey(start.time());
            if (at != null && (first == null || at.isBefore(first))) {
              first = at;
            }
          }
          if (first == null) {
            return;
          }
          hops.get(ROLLBACK_START_TO_WRITE).add(Duration.between(start.time(), first));
          EventEnvelope step = firstStep.get(rollback);
          if (step != null && !step.time().isBefore(start.time()) && !step.time().isAfter(first)) {
            hops.get(ROLLBACK_START_TO_STEP).add(Duration.between(start.time(), step.time()));
            hops.get(ROLLBACK_STEP_TO_WRITE).add(Duration.between(step.time(), first));
          }
          EventEnvelope gateFailed = failedGate.get(upgrade);
          if (gateFailed != null) {
            hops.get(GATE_FAILED_TO_WRITE).add(Duration.between(gateFailed.time(), first));
          }
        });
    return figures(hops);
  }

  /**
   * The deliberate waits, apart from processing: each step's run by action (a rollout's wait for
   * the workload to be ready, a migration's Job, a backup's snapshot), and the interval between a
   * gate's measurements.
   */
  public static List<Hop> waits(List<EventEnvelope> events) {
    List<EventEnvelope> sorted = new ArrayList<>(events);
    sorted.sort((a, b) -> a.time().compareTo(b.time()));
    Map<String, EventEnvelope> started = new HashMap<>();
    Map<String, EventEnvelope> lastMeasured = new HashMap<>();
    Map<String, List<Duration>> hops = new TreeMap<>();
    List<Duration> intervals = new ArrayList<>();
    for (EventEnvelope e : sorted) {
      if (e.data() instanceof StepStarted s && s.attempt() == 1) {
        started.putIfAbsent(s.upgradeId() + "/" + s.stepId(), e);
      } else if (e.data() instanceof StepSucceeded s) {
        EventEnvelope start = started.remove(s.upgradeId() + "/" + s.stepId());
        if (start != null) {
          hops.computeIfAbsent(STEP_RUN + s.action().wire(), h -> new ArrayList<>())
              .add(Duration.between(start.time(), e.time()));
        }
      } else if (e.data() instanceof GateMeasured m) {
        EventEnvelope previous = lastMeasured.put(m.upgradeId() + "/" + m.gateId(), e);
        if (previous != null) {
          intervals.add(Duration.between(previous.time(), e.time()));
        }
      }
    }
    Map<String, List<Duration>> ordered = new LinkedHashMap<>(hops);
    ordered.put(GATE_INTERVAL, intervals);
    return figures(ordered);
  }

  /** The figures of each hop seen, in the map's order. */
  private static List<Hop> figures(Map<String, List<Duration>> hops) {
    List<Hop> result = new ArrayList<>();
    hops.forEach(
        (hop, durations) -> {
          if (!durations.isEmpty()) {
            result.add(hop(hop, durations));
          }
        });
    return result;
  }

  private static void add(
      Map<String, List<Duration>> hops, String hop, EventEnvelope from, EventEnvelope to) {
    hops.get(hop).add(Duration.between(from.time(), to.time()));
  }

  /** The figures of one hop: nearest-rank percentiles. */
  public static Hop hop(String name, List<Duration> durations) {
    List<Long> millis = durations.stream().map(Duration::toMillis).sorted().toList();
    return new Hop(
        name,
        millis.size(),
        percentile(millis, 50),
        percentile(millis, 99),
        millis.get(millis.size() - 1));
  }

  /** The nearest-rank percentile of sorted values. */
  public static long percentile(List<Long> sorted, int percent) {
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /** Events per second between two instants. */
  static double perSecond(List<EventEnvelope> events, Instant from, Instant to) {
    long count =
        events.stream().filter(e -> !e.time().isBefore(from) && !e.time().isAfter(to)).count();
    double seconds = Math.max(1, Duration.between(from, to).toMillis()) / 1000.0;
    return count / seconds;
  }
}
