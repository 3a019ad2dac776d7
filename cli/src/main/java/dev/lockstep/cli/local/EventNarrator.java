package dev.lockstep.cli.local;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.AvailabilityObserved.ComponentAvailability;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One line for a person per event of an upgrade, as the local mode prints them while they happen:
 * the plan, each step and gate, the failure, the rollback and the notifications. Events that say
 * nothing new to a person (measurements, inventory) give no line.
 */
public final class EventNarrator {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private EventNarrator() {}

  /** The line for an event, if a person should see one. */
  public static Optional<String> narrate(EventEnvelope event) {
    return Optional.ofNullable(text(event.data())).map(text -> line(event.time(), text));
  }

  /**
   * The line for an event, if a person should see one, saying which platform it is about after the
   * time (when several run at once), padded to {@code width}.
   */
  public static Optional<String> narrate(EventEnvelope event, int width) {
    return Optional.ofNullable(text(event.data()))
        .map(
            text ->
                line(
                    event.time(),
                    String.format("%-" + width + "s", event.platform()) + "  " + text));
  }

  /** A line as the narration prints it: the local time, then the text. */
  static String line(Instant time, String text) {
    return TIME.format(time) + "  " + text;
  }

  private static String text(EventPayload data) {
    if (data instanceof UpgradeRequested r) {
      return "request   "
          + r.requestedBy()
          + " asks to upgrade "
          + r.platform()
          + (r.release() != null ? " to " + r.release().metadata().version() : "");
    } else if (data instanceof PlanCreated created) {
      return plan(created.plan());
    } else if (data instanceof PlanRejected rejected) {
      return "rejected  "
          + rejected.errors().stream()
              .map(e -> e.code() + ": " + e.message())
              .collect(Collectors.joining("; "));
    } else if (data instanceof UpgradeStarted started) {
      return (started.mode() == PlanMode.ROLLBACK ? "rollback  " : "started   ")
          + started.waves()
          + " waves, "
          + started.steps()
          + " steps";
    } else if (data instanceof StepStarted step) {
      return "step      wave "
          + step.wave()
          + "  "
          + step.component()
          + ": "
          + step.action().wire()
          + (step.attempt() > 1 ? " (attempt " + step.attempt() + ")" : "");
    } else if (data instanceof StepSucceeded step) {
      return "  done    "
          + step.component()
          + ": "
          + step.action().wire()
          + versions(step.from(), step.to())
          + (step.snapshot() != null ? " (snapshot " + step.snapshot() + ")" : "");
    } else if (data instanceof StepFailed step) {
      return "  FAILED  " + step.component() + ": " + step.action().wire() + ": " + step.reason();
    } else if (data instanceof StepRetried step) {
      return "  retry   "
          + step.component()
          + ": "
          + step.action().wire()
          + " failed ("
          + step.reason()
          + "); attempt "
          + step.attempt()
          + " of "
          + step.attempts();
    } else if (data instanceof GateRequested gate) {
      return "gate      wave "
          + gate.wave()
          + "  "
          + gate.gate().name()
          + " ("
          + gate.gate().kind()
          + ")";
    } else if (data instanceof GatePassed gate) {
      return "  passed  " + gate.gateName();
    } else if (data instanceof GateFailed gate) {
      return "  FAILED  gate " + gate.gateName() + ": " + gate.reason();
    } else if (data instanceof ApprovalRequested approval) {
      return "approval  "
          + approval.component()
          + " waits: lockstep approve "
          + approval.upgradeId()
          + " "
          + approval.stepId();
    } else if (data instanceof UpgradeCompleted completed) {
      return "COMPLETED " + completed.versions().size() + " components upgraded";
    } else if (data instanceof UpgradeFailed failed) {
      return (failed.cancelled() ? "CANCELLED " : "FAILED    ")
          + failed.reason()
          + " (the planner plans the rollback)";
    } else if (data instanceof UpgradeCancelled cancelled) {
      return "cancel    asked by " + cancelled.cancelledBy();
    } else if (data instanceof RollbackCompleted rolled) {
      return "ROLLED BACK " + rolled.versions().size() + " components restored";
    } else if (data instanceof RollbackFailed failed) {
      return "ROLLBACK FAILED " + failed.reason();
    } else if (data instanceof UpgradePaused paused) {
      return "PAUSED    by " + paused.pausedBy() + reasonOf(paused.reason());
    } else if (data instanceof UpgradeResumed resumed) {
      return "resumed   by " + resumed.resumedBy() + reasonOf(resumed.reason());
    } else if (data instanceof UpgradeWindowClosed closed) {
      return "WINDOW    closed at "
          + TIME.format(closed.notAfter())
          + ": wave "
          + closed.wave()
          + " not started, the upgrade is held";
    } else if (data instanceof UpgradeRescheduled rescheduled) {
      return "rescheduled into the window " + window(rescheduled.window()) + "; it carries on then";
    } else if (data instanceof AvailabilityObserved observed) {
      return availability(observed);
    } else if (data instanceof NotificationDelivered sent && "feed".equals(sent.channel().type())) {
      // every team's feed is printed once the scenario has ended
      return null;
    } else if (data instanceof NotificationDelivered sent) {
      return "  notified team "
          + sent.team()
          + " ("
          + sent.channel().type()
          + " "
          + sent.channel().name()
          + ")";
    } else if (data instanceof NotificationFailed failed) {
      return "  notification to team " + failed.team() + " failed";
    }
    return null;
  }

  private static String window(Window window) {
    return (window.notBefore() == null ? "now" : TIME.format(window.notBefore()))
        + " to "
        + (window.notAfter() == null ? "(no end)" : TIME.format(window.notAfter()));
  }

  private static String availability(AvailabilityObserved observed) {
    List<String> down =
        observed.components().stream()
            .filter(c -> c.failures() > 0)
            .map(c -> c.component() + " " + seconds(c.unavailable()))
            .toList();
    int probes = observed.components().stream().mapToInt(ComponentAvailability::requests).sum();
    return "availability "
        + probes
        + " probes of "
        + observed.components().size()
        + " components by "
        + observed.prober()
        + ": "
        + (down.isEmpty() ? "always available" : "unavailable " + String.join(", ", down));
  }

  private static String seconds(Duration duration) {
    return duration.toMillis() / 1000.0 + " s";
  }

  private static String reasonOf(String reason) {
    return reason == null || reason.isBlank() ? "" : ": " + reason;
  }

  private static String plan(Plan plan) {
    int steps = plan.waves().stream().mapToInt(w -> w.steps().size()).sum();
    if (plan.mode() == PlanMode.ROLLBACK) {
      return "plan      rollback of "
          + plan.rollbackOf()
          + ", top-down: "
          + plan.versions().size()
          + " components, "
          + plan.waves().size()
          + " waves, "
          + steps
          + " steps";
    }
    return "plan      "
        + (plan.fromRelease() != null ? plan.fromRelease() + " -> " : "")
        + plan.toRelease()
        + ": "
        + plan.versions().size()
        + " components, "
        + plan.waves().size()
        + " waves, "
        + steps
        + " steps, risk "
        + plan.risk().score()
        + ", expected downtime "
        + plan.expectedDowntime();
  }

  private static String versions(String from, String to) {
    if (from == null && to == null) {
      return "";
    }
    return " " + (from == null ? "(new)" : from) + " -> " + (to == null ? "(removed)" : to);
  }
}
