package dev.lockstep.notifier.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier's PostgreSQL schema ({@code notifier}): the delivery log, the team feeds, the plans
 * seen, the advance notices and the subscriptions. Migrations are applied in order at start, under
 * an advisory lock, each once.
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** The migrations, in order; a released one is never edited. */
  static final List<String> MIGRATIONS =
      List.of(
          """
          CREATE TABLE notifier.plans (
            upgrade_id text PRIMARY KEY,
            platform text NOT NULL,
            plan text NOT NULL,
            started_at timestamptz,
            updated_at timestamptz NOT NULL);
          CREATE TABLE notifier.deliveries (
            id text PRIMARY KEY,
            event_id text NOT NULL,
            team text NOT NULL,
            channel text NOT NULL,
            channel_type text NOT NULL,
            platform text NOT NULL,
            upgrade_id text,
            state text NOT NULL,
            attempts int NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL,
            last_error text,
            notice text NOT NULL,
            subject text NOT NULL,
            body text NOT NULL,
            outcome_published boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            UNIQUE (event_id, team, channel));
          CREATE INDEX deliveries_open ON notifier.deliveries (state, outcome_published);
          CREATE TABLE notifier.feed_entries (
            id bigserial PRIMARY KEY,
            team text NOT NULL,
            notice_id text NOT NULL,
            type text NOT NULL,
            severity text NOT NULL,
            platform text NOT NULL,
            upgrade_id text,
            time timestamptz NOT NULL,
            subject text NOT NULL,
            body text NOT NULL,
            UNIQUE (team, notice_id));
          CREATE INDEX feed_entries_team ON notifier.feed_entries (team, id);
          CREATE TABLE notifier.advance_notices (
            id text PRIMARY KEY,
            upgrade_id text NOT NULL,
            lead text NOT NULL,
            due_at timestamptz NOT NULL,
            state text NOT NULL,
            updated_at timestamptz NOT NULL);
          CREATE INDEX advance_notices_due ON notifier.advance_notices (state, due_at);
          CREATE TABLE notifier.subscriptions (
            id int PRIMARY KEY,
            document text NOT NULL,
            updated_at timestamptz NOT NULL);
          """);

  private final DataSource dataSource;

  public Database(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Applies the migrations not yet applied. */
  public void migrate() {
    inTransaction(
        connection -> {
          try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(7406)");
            statement.execute("CREATE SCHEMA IF NOT EXISTS notifier");
            statement.execute(
                "CREATE TABLE IF NOT EXISTS notifier.schema_version"
                    + " (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
            int current;
            try (ResultSet rows =
                statement.executeQuery(
                    "SELECT coalesce(max(version), 0) FROM notifier.schema_version")) {
              rows.next();
              current = rows.getInt(1);
            }
            for (int version = current + 1; version <= MIGRATIONS.size(); version++) {
              statement.execute(MIGRATIONS.get(version - 1));
              statement.execute(
                  "INSERT INTO notifier.schema_version (version) VALUES (" + version + ")");
              LOG.info("applied notifier schema migration {}", version);
            }
          }
          return null;
        });
  }

  /** Runs work in one transaction: committed when it returns, rolled back when it throws. */
  public <T> T inTransaction(Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Work on a connection. */
  @FunctionalInterface
  public interface Work<T> {
    /** Does the work. */
    T run(Connection connection) throws SQLException;
  }

  /** A database failure: transient as far as callers are concerned. */
  public static final class StoreException extends RuntimeException {
    StoreException(SQLException cause) {
      super("notifier database: " + cause.getMessage(), cause);
    }
  }
}
