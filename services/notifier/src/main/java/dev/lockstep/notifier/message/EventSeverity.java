package dev.lockstep.notifier.message;

import dev.lockstep.notifier.subscription.Severity;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which events become notices, and how severe each is. Critical: an upgrade or a rollback failed.
 * Warning: something did not go as planned or someone must act (a rejected plan, a failed step or
 * gate, a cancel, an approval, a rollback, a window that closed on a running upgrade). Info: plans,
 * windows (a rescheduled one too), pauses and progress. Raw measurements and inventory observations
 * are telemetry, not news, and make no notice; so is a step retried (its final failure, if it
 * comes, is a notice, and the post-mortem lists every retry).
 */
public final class EventSeverity {
  /** The notifier's own type for an advance notice of a scheduled upgrade. */
  public static final String UPCOMING = "upgrade.upcoming";

  private static final Set<String> SILENT =
      Set.of(
          "inventory.observed",
          "gate.measured",
          "gate.requested",
          "step.started",
          "step.succeeded",
          "step.retried",
          "gate.passed",
          "notification.delivered",
          "notification.failed");

  private static final Map<String, Severity> SEVERITIES =
      Map.ofEntries(
          Map.entry("upgrade.failed", Severity.CRITICAL),
          Map.entry("rollback.failed", Severity.CRITICAL),
          Map.entry("plan.rejected", Severity.WARNING),
          Map.entry("step.failed", Severity.WARNING),
          Map.entry("gate.failed", Severity.WARNING),
          Map.entry("approval.requested", Severity.WARNING),
          Map.entry("upgrade.cancelled", Severity.WARNING),
          Map.entry("upgrade.cancel-requested", Severity.WARNING),
          Map.entry("upgrade.window-closed", Severity.WARNING),
          Map.entry("rollback.requested", Severity.WARNING),
          Map.entry("rollback.completed", Severity.WARNING));

  private EventSeverity() {}

  /** The severity of a short event type, or empty when the type makes no notice. */
  public static Optional<Severity> of(String shortType) {
    if (SILENT.contains(shortType)) {
      return Optional.empty();
    }
    return Optional.of(SEVERITIES.getOrDefault(shortType, Severity.INFO));
  }
}
