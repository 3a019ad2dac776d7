package dev.lockstep.recorder.report;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.recorder.projection.EventFacts;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An upgrade's timeline: its phases (planning, waiting for the window, each wave, each gate, each
 * approval, each rollback) with their start, end and duration, folded purely from its events and
 * its rollbacks' events in log order.
 *
 * @param upgradeId the upgrade
 * @param startedAt its first event
 * @param endedAt its last event
 * @param duration from the first event to the last
 * @param phases the phases, by start
 */
public record Timeline(
    String upgradeId, Instant startedAt, Instant endedAt, Duration duration, List<Phase> phases) {

  /**
   * One phase.
   *
   * @param name what it was ({@code wave 1 (core-kernel)}, {@code gate error-rate}, ...)
   * @param kind planning, waiting, wave, gate, approval, rollback, or retry (a failed step run
   *     again: an instant, named after the step, the attempt and the failure)
   * @param upgradeId the upgrade (or rollback) it belongs to
   * @param start when it began
   * @param end when it ended, or null while it runs
   * @param duration how long it took, or null while it runs
   * @param outcome succeeded, failed, passed, approved, running, ...
   */
  public record Phase(
      String name,
      String kind,
      String upgradeId,
      Instant start,
      @Nullable Instant end,
      @Nullable Duration duration,
      String outcome) {}

  /** The timeline of an upgrade from its story (its events and its rollbacks'); null if empty. */
  public static Timeline of(String upgradeId, List<EventEnvelope> story) {
    if (story.isEmpty()) {
      return null;
    }
    List<Phase> phases = new ArrayList<>();
    Map<String, Instant> requestedAt = new HashMap<>();
    Map<String, Instant> plannedAt = new HashMap<>();
    Map<String, Map<Integer, String>> layers = new HashMap<>();
    Map<String, Open> waves = new LinkedHashMap<>();
    Map<String, Open> gates = new LinkedHashMap<>();
    Map<String, Open> approvals = new LinkedHashMap<>();
    Map<String, Open> rollbacks = new LinkedHashMap<>();
    Instant first = story.get(0).time();
    Instant last = first;
    for (EventEnvelope event : story) {
      last = event.time().isAfter(last) ? event.time() : last;
      String owner = EventFacts.upgradeIdOf(event);
      Object data = event.data();
      Instant at = event.time();
      if (data instanceof UpgradeRequested || data instanceof RollbackRequested) {
        requestedAt.putIfAbsent(owner, at);
      } else if (data instanceof PlanCreated created) {
        plannedAt.putIfAbsent(owner, at);
        Instant asked = requestedAt.get(owner);
        if (asked != null) {
          phases.add(phase("planning", "planning", owner, asked, at, "planned"));
        }
        Map<Integer, String> byIndex = new HashMap<>();
        for (Wave wave : created.plan().waves()) {
          byIndex.put(wave.index(), wave.layer());
        }
        layers.put(owner, byIndex);
        if (created.plan().rollbackOf() != null && !owner.equals(upgradeId)) {
          rollbacks.putIfAbsent(owner, new Open("rollback " + owner, at));
        }
      } else if (data instanceof UpgradeStarted) {
        Instant planned = plannedAt.get(owner);
        if (planned != null && at.isAfter(planned)) {
          String name = owner.equals(upgradeId) ? "waiting to start" : "rollback waiting to start";
          phases.add(phase(name, "waiting", owner, planned, at, "started"));
        }
      } else if (data instanceof StepStarted started) {
        String key = owner + "/" + started.wave();
        if (!waves.containsKey(key)) {
          // Waves run in order: the waves before a starting one have succeeded.
          for (Map.Entry<String, Open> wave : waves.entrySet()) {
            if (wave.getKey().startsWith(owner + "/") && wave.getValue().outcome == null) {
              wave.getValue().outcome = "succeeded";
            }
          }
          String layer = layers.getOrDefault(owner, Map.of()).get(started.wave());
          String name =
              (owner.equals(upgradeId) ? "" : "rollback ")
                  + "wave "
                  + started.wave()
                  + (layer == null ? "" : " (" + layer + ")");
          waves.put(key, new Open(name, at));
        }
      } else if (data instanceof StepSucceeded succeeded) {
        touch(waves.get(owner + "/" + succeeded.wave()), at, null);
      } else if (data instanceof StepFailed failed) {
        touch(waves.get(owner + "/" + failed.wave()), at, "failed");
      } else if (data instanceof StepRetried retried) {
        touch(waves.get(owner + "/" + retried.wave()), at, null);
        phases.add(
            phase(
                retried.stepId()
                    + " retried (attempt "
                    + retried.attempt()
                    + " of "
                    + retried.attempts()
                    + "): "
                    + retried.reason(),
                "retry",
                owner,
                at,
                at,
                "retried"));
      } else if (data instanceof GateRequested requested) {
        gates.put(
            owner + "/" + requested.gateId(), new Open("gate " + requested.gate().name(), at));
        touch(waves.get(owner + "/" + requested.wave()), at, null);
        gates.get(owner + "/" + requested.gateId()).wave = owner + "/" + requested.wave();
      } else if (data instanceof GatePassed passed) {
        close(gates.get(owner + "/" + passed.gateId()), at, "passed", waves);
      } else if (data instanceof GateFailed failed) {
        close(gates.get(owner + "/" + failed.gateId()), at, "failed", waves);
      } else if (data instanceof ApprovalRequested requested) {
        approvals.put(
            owner + "/" + requested.stepId(),
            new Open("approval of " + requested.component() + " (" + requested.stepId() + ")", at));
      } else if (data instanceof StepApproved approved) {
        Open open = approvals.get(owner + "/" + approved.stepId());
        if (open != null) {
          open.end = at;
          open.outcome = "approved by " + approved.approvedBy();
        }
      } else if (data instanceof RollbackCompleted) {
        Open open = rollbacks.get(owner);
        if (open != null) {
          open.end = at;
          open.outcome = "rolled back";
        }
      } else if (data instanceof RollbackFailed) {
        Open open = rollbacks.get(owner);
        if (open != null) {
          open.end = at;
          open.outcome = "failed";
        }
      } else if (data instanceof UpgradeCompleted
          || data instanceof UpgradeFailed
          || data instanceof UpgradeCancelled) {
        for (Map.Entry<String, Open> wave : waves.entrySet()) {
          if (wave.getKey().startsWith(owner + "/") && wave.getValue().outcome == null) {
            wave.getValue().outcome = data instanceof UpgradeCompleted ? "succeeded" : "stopped";
          }
        }
      }
    }
    addAll(phases, waves, "wave");
    addAll(phases, gates, "gate");
    addAll(phases, approvals, "approval");
    addAll(phases, rollbacks, "rollback");
    phases.sort(Comparator.comparing(Phase::start).thenComparing(Phase::name));
    return new Timeline(upgradeId, first, last, Duration.between(first, last), List.copyOf(phases));
  }

  private static void touch(Open open, Instant at, String outcome) {
    if (open != null) {
      open.end = open.end == null || at.isAfter(open.end) ? at : open.end;
      if (outcome != null) {
        open.outcome = outcome;
      }
    }
  }

  private static void close(Open gate, Instant at, String outcome, Map<String, Open> waves) {
    if (gate == null) {
      return;
    }
    gate.end = at;
    gate.outcome = outcome;
    Open wave = gate.wave == null ? null : waves.get(gate.wave);
    touch(wave, at, "failed".equals(outcome) ? "failed" : null);
  }

  private static void addAll(List<Phase> phases, Map<String, Open> opens, String kind) {
    for (Map.Entry<String, Open> entry : opens.entrySet()) {
      Open open = entry.getValue();
      String owner =
          entry.getKey().contains("/") ? entry.getKey().split("/", 2)[0] : entry.getKey();
      String outcome =
          open.outcome != null ? open.outcome : open.end == null ? "running" : "succeeded";
      phases.add(
          new Phase(
              open.name,
              kind,
              owner,
              open.start,
              open.end,
              open.end == null ? null : Duration.between(open.start, open.end),
              outcome));
    }
  }

  private static Phase phase(
      String name, String kind, String owner, Instant start, Instant end, String outcome) {
    return new Phase(name, kind, owner, start, end, Duration.between(start, end), outcome);
  }

  /** A phase still being folded. */
  private static final class Open {
    final String name;
    final Instant start;
    Instant end;
    String outcome;
    String wave;

    Open(String name, Instant start) {
      this.name = name;
      this.start = start;
    }
  }
}
