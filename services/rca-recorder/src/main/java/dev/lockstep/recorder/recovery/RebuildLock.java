package dev.lockstep.recorder.recovery;

import dev.lockstep.recorder.store.DatabaseSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The recorder database's rebuild lock: a session-level PostgreSQL advisory lock, held on a JDBC
 * connection of its own (not one of the pool's), so that one recorder instance rebuilds from Kafka
 * while the others wait. When the holder dies, even by {@code kill -9}, its connection closes and
 * PostgreSQL releases the lock; the next instance to take it resumes the rebuild.
 */
final class RebuildLock implements AutoCloseable {
  /** The advisory lock key: "lockstep recorder rebuild"; advisory locks are per database. */
  static final long KEY = 0x4c53_5245_4255_494cL;

  private final Connection connection;
  private boolean held;

  private RebuildLock(Connection connection) {
    this.connection = connection;
  }

  /** Opens the lock's connection; the lock is not taken yet. */
  static RebuildLock open(DatabaseSettings settings) {
    Properties properties = new Properties();
    properties.setProperty("user", settings.getUsername());
    if (!settings.getPassword().isEmpty()) {
      properties.setProperty("password", settings.getPassword());
    }
    properties.setProperty("ApplicationName", "lockstep-rca-recorder-rebuild-lock");
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("socketTimeout", "30");
    properties.setProperty("tcpKeepAlive", "true");
    try {
      return new RebuildLock(DriverManager.getConnection(settings.jdbcUrl(), properties));
    } catch (SQLException e) {
      throw new IllegalStateException("could not open the rebuild lock's connection", e);
    }
  }

  /** Takes the lock if no other session holds it; true when this one holds it now. */
  boolean tryLock() {
    if (held) {
      return true;
    }
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      statement.setLong(1, KEY);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        held = result.getBoolean(1);
        return held;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not ask for the rebuild lock", e);
    }
  }

  /**
   * True while this session still holds the lock, asked of the database: a connection that was cut
   * (the database restarted, the network failed) lost the lock, and another instance may have it.
   */
  boolean stillHeld() {
    if (!held) {
      return false;
    }
    // The session takes no other advisory lock.
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                + " AND pid = pg_backend_pid()")) {
      try (ResultSet result = statement.executeQuery()) {
        return result.next() && result.getLong(1) > 0;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /** Releases the lock, if held, and closes the connection (which releases it in any case). */
  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // Closing the session releases its advisory locks; a connection already gone holds none.
    }
    held = false;
  }
}
