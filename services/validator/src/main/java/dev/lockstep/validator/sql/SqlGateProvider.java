package dev.lockstep.validator.sql;

import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.manifest.Gate;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import dev.lockstep.validator.reach.GateReach;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures {@code sql} gates: runs the query against a datasource configured in the validator
 * ({@code lockstep.validator.datasources.<name>.url}, {@code .username}, {@code .password}; the
 * password may be a {@code ${ENV_VAR}} placeholder) and compares its first value with the expected
 * one, or with the baseline captured before the change. JDBC blocks, so queries run on a small pool
 * of their own, never on the caller's thread. A baseline capture succeeds with the value it read.
 *
 * <p>A gate only reads: the platform must allow the datasource ({@code
 * lockstep.platforms.<id>.gates.datasources}), the query must be one statement, and it runs in a
 * read-only transaction that is always rolled back, with a statement and a socket timeout.
 */
@Singleton
public class SqlGateProvider implements GateProvider {
  /** The longest a query may run, unless {@code lockstep.validator.sql.statement-timeout} says. */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The longest the validator waits to connect or for any answer of the server, unless {@code
   * lockstep.validator.sql.socket-timeout} says.
   */
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

  private final Environment environment;
  private final GateReach reach;
  private final Duration statementTimeout;
  private final Duration socketTimeout;
  private final ExecutorService pool;

  public SqlGateProvider(
      Environment environment,
      GateReach reach,
      @Value("${lockstep.validator.sql.statement-timeout:30s}") Duration statementTimeout,
      @Value("${lockstep.validator.sql.socket-timeout:60s}") Duration socketTimeout) {
    this.environment = environment;
    this.reach = reach;
    this.statementTimeout = statementTimeout;
    this.socketTimeout = socketTimeout;
    AtomicInteger threads = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            4,
            runnable -> {
              Thread thread = new Thread(runnable, "validator-sql-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public String kind() {
    return "sql";
  }

  @Override
  public CompletableFuture<Outcome> measure(MeasureRequest request) {
    return CompletableFuture.supplyAsync(() -> measureNow(request), pool);
  }

  private Outcome measureNow(MeasureRequest request) {
    Gate.SqlCheck check = request.gate().sql();
    String prefix = "lockstep.validator.datasources." + check.datasource() + ".";
    Optional<String> url = environment.getProperty(prefix + "url", String.class);
    if (url.isEmpty()) {
      return Outcome.error("datasource '" + check.datasource() + "' is not configured");
    }
    if (!reach.allowsDatasource(request.platform(), check.datasource())) {
      return Outcome.error(
          "refused: datasource '"
              + check.datasource()
              + "' is not allowed for the platform ("
              + GateReach.prefix(request.platform())
              + "datasources)");
    }
    if (!isOneStatement(check.query())) {
      return Outcome.error(
          "refused: the query on '"
              + check.datasource()
              + "' must be one statement (it has a ';' before its end)");
    }
    Properties properties = new Properties();
    environment
        .getProperty(prefix + "username", String.class)
        .ifPresent(user -> properties.setProperty("user", user));
    environment
        .getProperty(prefix + "password", String.class)
        .ifPresent(password -> properties.setProperty("password", password));
    // PostgreSQL's driver: seconds to connect and to wait for any answer from the server.
    properties.setProperty("connectTimeout", Long.toString(seconds(socketTimeout)));
    properties.setProperty("loginTimeout", Long.toString(seconds(socketTimeout)));
    properties.setProperty("socketTimeout", Long.toString(seconds(socketTimeout)));
    String value;
    try (Connection connection = DriverManager.getConnection(url.get(), properties)) {
      try {
        // A read-only transaction that is never committed: whatever the query tries, nothing
        // stays. The datasource's role should be read-only as well (docs/gates.md).
        connection.setAutoCommit(false);
        connection.setReadOnly(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("SET TRANSACTION READ ONLY");
          statement.setQueryTimeout((int) seconds(statementTimeout));
          try (ResultSet rows = statement.executeQuery(check.query())) {
            if (!rows.next()) {
              return Outcome.inconclusive(
                  "the query on '" + check.datasource() + "' returned no row");
            }
            value = rows.getString(1);
          }
        }
      } finally {
        rollBack(connection);
      }
    } catch (SQLException e) {
      // The driver's messages name the server, the user and the statement, never the password.
      return Outcome.error(
          "the query on '"
              + check.datasource()
              + "' failed: "
              + e.getMessage()
              + (e.getSQLState() == null ? "" : " (SQL state " + e.getSQLState() + ")"));
    }
    String shown = value == null ? "NULL" : value;
    if (request.purpose() == GatePurpose.CAPTURE_BASELINE) {
      return Outcome.successful(shown, "captured " + shown + " from '" + check.datasource() + "'");
    }
    if (check.compareToBaseline()) {
      if (request.baseline() == null) {
        return Outcome.failed(
            shown, "no baseline was captured before the change; the value is " + shown);
      }
      boolean same = same(shown, request.baseline());
      return Outcome.of(
          same,
          shown,
          (same ? "the value " + shown + " equals" : "the value " + shown + " differs from")
              + " the baseline "
              + request.baseline()
              + " captured before the change");
    }
    if (check.expect() == null) {
      return Outcome.successful(shown, "the query returned " + shown);
    }
    boolean ok = same(shown, check.expect());
    return Outcome.of(
        ok,
        shown,
        "the query returned " + shown + (ok ? ", as expected" : ", expected " + check.expect()));
  }

  /**
   * Rolls the gate's transaction back; a connection that is gone (a socket timeout) committed
   * nothing, and the query's own error is the one to report.
   */
  private static void rollBack(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // nothing to undo
    }
  }

  /** Whether a query is one statement: no {@code ;} but, at most, trailing ones. */
  static boolean isOneStatement(String query) {
    if (query == null) {
      return false;
    }
    String trimmed = query.strip();
    while (trimmed.endsWith(";")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1).strip();
    }
    return !trimmed.isEmpty() && trimmed.indexOf(';') < 0;
  }

  private static long seconds(Duration duration) {
    return Math.max(1, (duration.toMillis() + 999) / 1000);
  }

  /** Equal as text, or as numbers when both are numbers ({@code 3} equals {@code 3.0}). */
  static boolean same(String actual, String expected) {
    if (actual.equals(expected)) {
      return true;
    }
    try {
      return new BigDecimal(actual.trim()).compareTo(new BigDecimal(expected.trim())) == 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @PreDestroy
  void close() {
    pool.shutdownNow();
  }
}
