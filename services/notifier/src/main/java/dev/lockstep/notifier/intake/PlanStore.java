package dev.lockstep.notifier.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.runtime.kafka.PoisonEventException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * The plans the notifier has seen, by upgrade id, with the time each upgrade started: later events
 * carry only ids, and their messages still show the version table, window and release notes.
 */
public final class PlanStore {
  /**
   * A stored plan.
   *
   * @param plan the plan
   * @param startedAt when its upgrade started, if it has
   */
  public record StoredPlan(Plan plan, Instant startedAt) {}

  /** Saves (or replaces) a plan. */
  public void save(Connection connection, Plan plan, Instant now) throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO notifier.plans (upgrade_id, platform, plan, updated_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (upgrade_id) DO UPDATE SET plan = excluded.plan,"
                + " updated_at = excluded.updated_at")) {
      upsert.setString(1, plan.upgradeId());
      upsert.setString(2, plan.platform());
      upsert.setString(3, Json.mapper().writeValueAsString(plan));
      upsert.setTimestamp(4, Timestamp.from(now));
      upsert.executeUpdate();
    } catch (JsonProcessingException e) {
      // The plan came in an event: one that cannot be written as JSON never will be.
      throw new PoisonEventException("cannot write plan " + plan.upgradeId() + " as JSON", e);
    }
  }

  /** Records when an upgrade started (the first time only). */
  public void markStarted(Connection connection, String upgradeId, Instant at) throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE notifier.plans SET started_at = coalesce(started_at, ?) WHERE upgrade_id = ?")) {
      update.setTimestamp(1, Timestamp.from(at));
      update.setString(2, upgradeId);
      update.executeUpdate();
    }
  }

  /** A plan by upgrade id. */
  public Optional<StoredPlan> find(Connection connection, String upgradeId) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT plan, started_at FROM notifier.plans WHERE upgrade_id = ?")) {
      select.setString(1, upgradeId);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        Timestamp started = row.getTimestamp(2);
        return Optional.of(
            new StoredPlan(
                Json.mapper().readValue(row.getString(1), Plan.class),
                started == null ? null : started.toInstant()));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot read plan " + upgradeId, e);
      }
    }
  }
}
