package dev.lockstep.validator.sql;

import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.manifest.Gate;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import io.micronaut.context.env.Environment;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
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
 */
@Singleton
public class SqlGateProvider implements GateProvider {
  /** The longest a query may run. */
  public static final int QUERY_TIMEOUT_SECONDS = 30;

  private final Environment environment;
  private final ExecutorService pool;

  public SqlGateProvider(Environment environment) {
    this.environment = environment;
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
    String value;
    try (Connection connection =
            DriverManager.getConnection(
                url.get(),
                environment.getProperty(prefix + "username", String.class).orElse(null),
                environment.getProperty(prefix + "password", String.class).orElse(null));
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      try (ResultSet rows = statement.executeQuery(check.query())) {
        if (!rows.next()) {
          return Outcome.inconclusive("the query on '" + check.datasource() + "' returned no row");
        }
        value = rows.getString(1);
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
