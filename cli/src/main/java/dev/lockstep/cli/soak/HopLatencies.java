package dev.lockstep.cli.soak;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The time each hop of the flow took, from the events on the topics (each event's time is its
 * producer's clock; all run on one machine), matched by upgrade id, causation id, and for the steps
 * by component and wave. A pure function of the events.
 */
final class HopLatencies {
  /** One hop's figures, in milliseconds. */
  record Hop(String hop, int count, long p50Millis, long p99Millis, long maxMillis) {}

  static final String REQUEST_TO_PLAN = "upgrade.requested -> plan.created";
  static final String PLAN_TO_START = "plan.created -> upgrade.started";
  static final String STEP_TO_NEXT = "step.succeeded -> the component's next step.started";
  static final String GATE_PASSED_TO_NEXT = "gate.passed -> next wave's step.started";
  static final String GATE_TO_MEASUREMENT = "gate.requested -> first gate.measured";
  static final String GATE_FAILED_TO_FAILED = "gate.failed -> upgrade.failed";
  static final String FAILED_TO_ROLLBACK_PLAN = "upgrade.failed -> rollback plan.created";
  static final String ROLLBACK_PLAN_TO_START = "rollback plan.created -> rollback upgrade.started";

  private HopLatencies() {}

  /** The hops of these events, in the order of the flow; hops never seen are left out. */
  static List<Hop> of(List<EventEnvelope> events) {
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
    for (EventEnvelope e : sorted) {
      if (e.data() instanceof StepStarted s && s.attempt() == 1 && e.causationId() != null) {
        EventEnvelope cause = byId.get(e.causationId());
        if (cause != null && cause.data() instanceof GatePassed) {
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
    // a component's steps in a wave run one after the other: its next step follows its last one
    Map<String, EventEnvelope> lastSucceeded = new HashMap<>();
    for (EventEnvelope e : sorted) {
      if (e.data() instanceof StepSucceeded s) {
        lastSucceeded.put(s.upgradeId() + "/" + s.wave() + "/" + s.component(), e);
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
  static Hop hop(String name, List<Duration> durations) {
    List<Long> millis = durations.stream().map(Duration::toMillis).sorted().toList();
    return new Hop(
        name,
        millis.size(),
        percentile(millis, 50),
        percentile(millis, 99),
        millis.get(millis.size() - 1));
  }

  /** The nearest-rank percentile of sorted values. */
  static long percentile(List<Long> sorted, int percent) {
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
