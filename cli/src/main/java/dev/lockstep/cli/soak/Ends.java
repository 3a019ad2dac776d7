package dev.lockstep.cli.soak;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an upgrade stands by its events and its rollbacks' (a pure fold): ended or not, and how. The
 * ends: {@code rejected} (the planner's {@code plan.rejected} of the request), {@code cancelled}
 * (cancelled while queued, or while running before any step changed anything), {@code completed},
 * {@code rolled-back} (its last rollback completed), {@code rollback-failed}, and {@code failed}
 * (failed, and no rollback planned {@link #NO_ROLLBACK} after).
 */
final class Ends {
  /** How long a failed upgrade may wait for its rollback before it counts as ended failed. */
  static final Duration NO_ROLLBACK = Duration.ofSeconds(60);

  /** Where an upgrade stands. */
  record Standing(String end, Instant at, boolean completed, List<String> rollbacks) {
    boolean ended() {
      return end != null;
    }
  }

  private Ends() {}

  /**
   * @param events the upgrade's own events (subject the upgrade)
   * @param rollbackEvents each rollback's events by its id, in the order they were planned
   * @param now the time now, for a failed upgrade that no rollback follows
   */
  static Standing of(
      List<EventEnvelope> events, Map<String, List<EventEnvelope>> rollbackEvents, Instant now) {
    Instant completedAt = null;
    Instant failedAt = null;
    boolean cancelledBeforeAnyChange = false;
    for (EventEnvelope event : events) {
      if (event.data() instanceof PlanRejected r && r.requestType().endsWith("upgrade.requested")) {
        return new Standing("rejected", event.time(), false, List.of());
      }
      if (event.data() instanceof UpgradeCancelled c && !c.wasRunning()) {
        return new Standing("cancelled", event.time(), false, List.of());
      }
      if (event.data() instanceof UpgradeCompleted) {
        completedAt = event.time();
      }
      if (event.data() instanceof UpgradeFailed f) {
        failedAt = event.time();
        cancelledBeforeAnyChange = f.cancelled() && f.history().isEmpty();
      }
    }
    List<String> rollbacks = new ArrayList<>(rollbackEvents.keySet());
    String lastEnd = null;
    Instant lastAt = null;
    boolean open = false;
    for (Map.Entry<String, List<EventEnvelope>> rollback : rollbackEvents.entrySet()) {
      Optional<EventEnvelope> end =
          rollback.getValue().stream()
              .filter(
                  e -> e.data() instanceof RollbackCompleted || e.data() instanceof RollbackFailed)
              .findFirst();
      if (end.isEmpty()) {
        open = true;
        continue;
      }
      lastEnd = end.get().data() instanceof RollbackCompleted ? "rolled-back" : "rollback-failed";
      lastAt = end.get().time();
    }
    boolean completed = completedAt != null;
    if (open) {
      return new Standing(null, null, completed, rollbacks);
    }
    if (lastEnd != null) {
      return new Standing(lastEnd, lastAt, completed, rollbacks);
    }
    if (completedAt != null) {
      return new Standing("completed", completedAt, true, rollbacks);
    }
    if (failedAt != null && cancelledBeforeAnyChange) {
      // cancelled while running, before any step changed anything: nothing to roll back
      return new Standing("cancelled", failedAt, false, rollbacks);
    }
    if (failedAt != null && Duration.between(failedAt, now).compareTo(NO_ROLLBACK) > 0) {
      return new Standing("failed", failedAt, false, rollbacks);
    }
    return new Standing(null, null, false, rollbacks);
  }
}
