package dev.lockstep.notifier.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier's PostgreSQL schema ({@code notifier}): the delivery log, the team feeds, the plans
 * seen, the advance notices and the subscriptions. Migrations are Flyway's, as the recorder's, and
 * applied at start.
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final DataSource dataSource;

  public Database(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Applies the migrations not yet applied ({@code db/notifier} on the class path), with Flyway's
   * own lock so that several instances starting at once apply each once. A schema made by the
   * hand-written runner of earlier versions (which applied exactly version 1) is baselined at 1.
   */
  public void migrate() {
    MigrateResult result =
        Flyway.configure()
            .dataSource(dataSource)
            .schemas("notifier")
            .locations("classpath:db/notifier")
            .baselineOnMigrate(true)
            .baselineVersion("1")
            .load()
            .migrate();
    LOG.info(
        "notifier schema at version {} ({} migrations applied)",
        result.targetSchemaVersion,
        result.migrationsExecuted);
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

  /** A connection of its own (autocommit), for the caller to close. */
  public Connection connect() throws SQLException {
    return dataSource.getConnection();
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
