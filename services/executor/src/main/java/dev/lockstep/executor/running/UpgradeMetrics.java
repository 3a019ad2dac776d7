package dev.lockstep.executor.running;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.runtime.metrics.DurationBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's {@code lockstep_*} metrics, from the events it publishes (counted once Kafka has
 * acknowledged them, so a publish retried after a failure counts once) and the gate verdicts it
 * reads:
 *
 * <ul>
 *   <li>{@code lockstep_upgrades_total{platform,outcome}}: upgrade plans ended, {@code completed},
 *       {@code failed} (a step or gate failed; the rollback follows) or {@code cancelled}.
 *   <li>{@code lockstep_rollbacks_total{platform,outcome}}: rollback plans ended, {@code completed}
 *       or {@code failed}.
 *   <li>{@code lockstep_step_duration_seconds{action,outcome}}: from a step's first {@code
 *       step.started} to its {@code step.succeeded} or {@code step.failed}, retries included.
 *   <li>{@code lockstep_rollback_reaction_seconds}: from a failed gate's verdict to the {@code
 *       upgrade.started} of the rollback of its upgrade.
 *   <li>{@code lockstep_upgrade_started_timestamp_seconds{platform,upgrade_id,mode}} and {@code
 *       lockstep_upgrade_expected_duration_seconds{platform,upgrade_id,mode}}: one pair per plan
 *       this instance runs now (its platform's Lease holder), removed when the plan ends or the
 *       platform moves to another instance, which adds them again. The expected duration is the
 *       plan's {@code expectedDuration}; a plan without one has no such gauge.
 * </ul>
 */
final class UpgradeMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(UpgradeMetrics.class);

  /** Verdicts older than this no longer wait for their rollback. */
  private static final Duration FORGET_AFTER = Duration.ofHours(6);

  private static final String UPGRADES = "lockstep.upgrades";
  private static final String ROLLBACKS = "lockstep.rollbacks";

  private final MeterRegistry meters;

  /** When each step's first intent was published, by upgrade and step. */
  private final Map<String, Instant> stepsStarted = new ConcurrentHashMap<>();

  /** When a gate of an upgrade failed, until its rollback starts. */
  private final Map<String, Instant> gatesFailed = new ConcurrentHashMap<>();

  /** The gauges of the plans running here, by upgrade. */
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  UpgradeMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  /** A failed gate's verdict, read from the gates topic. */
  void gateFailed(EventEnvelope event) {
    if (event.data() instanceof GateFailed failed) {
      Instant horizon = event.time().minus(FORGET_AFTER);
      gatesFailed.values().removeIf(at -> at.isBefore(horizon));
      gatesFailed.putIfAbsent(failed.upgradeId(), event.time());
    }
  }

  /** An event of the session's plan that Kafka acknowledged; a metric never fails the publish. */
  void published(Session session, EventEnvelope event) {
    try {
      count(session, event);
    } catch (RuntimeException e) {
      LOG.warn("metrics of {} not updated: {}", event.type(), e.toString());
    }
  }

  private void count(Session session, EventEnvelope event) {
    Plan plan = session.saga.plan().orElse(null);
    if (plan == null) {
      return;
    }
    String platform = plan.platform();
    Object data = event.data();
    if (data instanceof UpgradeStarted) {
      running(session, event.time());
      if (plan.rollbackOf() != null) {
        reacted(plan.rollbackOf(), event.time());
      }
    } else if (data instanceof StepStarted step) {
      stepsStarted.putIfAbsent(stepKey(step.upgradeId(), step.stepId()), event.time());
    } else if (data instanceof StepSucceeded step) {
      stepEnded(step.upgradeId(), step.stepId(), step.action().wire(), "succeeded", event);
    } else if (data instanceof StepFailed step) {
      stepEnded(step.upgradeId(), step.stepId(), step.action().wire(), "failed", event);
    } else if (data instanceof UpgradeCompleted) {
      ended(session, UPGRADES, platform, "completed");
    } else if (data instanceof UpgradeFailed failed) {
      ended(session, UPGRADES, platform, failed.cancelled() ? "cancelled" : "failed");
    } else if (data instanceof RollbackCompleted) {
      ended(session, ROLLBACKS, platform, "completed");
    } else if (data instanceof RollbackFailed) {
      ended(session, ROLLBACKS, platform, "failed");
    }
  }

  private void reacted(String rolledBack, Instant rollbackStarted) {
    Instant failedAt = gatesFailed.remove(rolledBack);
    if (failedAt != null && !rollbackStarted.isBefore(failedAt)) {
      Timer.builder("lockstep.rollback.reaction")
          .description("from a failed gate's verdict to the start of the rollback")
          .serviceLevelObjectives(DurationBuckets.seconds())
          .register(meters)
          .record(Duration.between(failedAt, rollbackStarted));
    }
  }

  /**
   * A plan this instance took over from the log: its gauges, from the time of its {@code
   * upgrade.started} if it started, and the start of its steps still running, so that their
   * durations count from their first intent.
   */
  void resumed(Session session, List<EventEnvelope> events) {
    try {
      seed(session, events);
    } catch (RuntimeException e) {
      LOG.warn("metrics of {} not resumed: {}", session.upgradeId, e.toString());
    }
  }

  private void seed(Session session, List<EventEnvelope> events) {
    for (EventEnvelope event : events) {
      Object data = event.data();
      if (data instanceof UpgradeStarted) {
        running(session, event.time());
      } else if (data instanceof StepStarted step) {
        stepsStarted.putIfAbsent(stepKey(step.upgradeId(), step.stepId()), event.time());
      } else if (data instanceof StepSucceeded step) {
        stepsStarted.remove(stepKey(step.upgradeId(), step.stepId()));
      } else if (data instanceof StepFailed step) {
        stepsStarted.remove(stepKey(step.upgradeId(), step.stepId()));
      }
    }
  }

  /** The platform moved to another instance: its plans' gauges are that instance's now. */
  void dropped(String platform) {
    running.values().removeIf(r -> r.platform().equals(platform) && r.remove(meters));
  }

  private void running(Session session, Instant startedAt) {
    Plan plan = session.saga.plan().orElseThrow();
    running.computeIfAbsent(
        session.upgradeId,
        id -> {
          String mode = plan.mode() == PlanMode.ROLLBACK ? "rollback" : "upgrade";
          Gauge started =
              Gauge.builder("lockstep.upgrade.started.timestamp", () -> epochSeconds(startedAt))
                  .description("when a running plan started (gone when it ends)")
                  .baseUnit("seconds")
                  .tags("platform", plan.platform(), "upgrade_id", id, "mode", mode)
                  .strongReference(true)
                  .register(meters);
          Gauge expected = null;
          if (plan.expectedDuration() != null) {
            double seconds = plan.expectedDuration().toMillis() / 1000.0;
            expected =
                Gauge.builder("lockstep.upgrade.expected.duration", () -> seconds)
                    .description(
                        "how long a running plan is expected to take, the planner's estimate")
                    .baseUnit("seconds")
                    .tags("platform", plan.platform(), "upgrade_id", id, "mode", mode)
                    .strongReference(true)
                    .register(meters);
          }
          return new Running(plan.platform(), started, expected);
        });
  }

  private void ended(Session session, String counter, String platform, String outcome) {
    Counter.builder(counter)
        .description(
            counter.equals(UPGRADES)
                ? "upgrade plans ended, by outcome"
                : "rollback plans ended, by outcome")
        .tags("platform", platform, "outcome", outcome)
        .register(meters)
        .increment();
    Running gauges = running.remove(session.upgradeId);
    if (gauges != null) {
      gauges.remove(meters);
    }
    String prefix = session.upgradeId + "/";
    stepsStarted.keySet().removeIf(key -> key.startsWith(prefix));
  }

  private void stepEnded(
      String upgradeId, String stepId, String action, String outcome, EventEnvelope event) {
    Instant startedAt = stepsStarted.remove(stepKey(upgradeId, stepId));
    if (startedAt == null || event.time().isBefore(startedAt)) {
      return;
    }
    Timer.builder("lockstep.step.duration")
        .description("from a step's intent to its result, retries included")
        .serviceLevelObjectives(DurationBuckets.seconds())
        .tags("action", action, "outcome", outcome)
        .register(meters)
        .record(Duration.between(startedAt, event.time()));
  }

  private static String stepKey(String upgradeId, String stepId) {
    return upgradeId + "/" + stepId;
  }

  private static double epochSeconds(Instant at) {
    return at.toEpochMilli() / 1000.0;
  }

  /** The gauges of one running plan. */
  private record Running(String platform, Gauge started, Gauge expected) {
    boolean remove(MeterRegistry meters) {
      meters.remove(started);
      if (expected != null) {
        meters.remove(expected);
      }
      return true;
    }
  }
}
