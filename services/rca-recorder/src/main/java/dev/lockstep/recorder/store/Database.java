package dev.lockstep.recorder.store;

import io.netty.buffer.Unpooled;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresTransactionDefinition;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.Wrapped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The recorder's PostgreSQL database: applies the versioned migrations ({@code db/recorder/V*.sql},
 * Flyway over JDBC) when it opens, then serves every read and write through a pool of
 * r2dbc-postgresql connections. Calls block the calling thread (the recorder's own consumer thread,
 * or a request's I/O thread), never an event loop.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ConnectionPool pool;

  /** The connection {@link #onOneConnection} holds for the calling thread. */
  private final ThreadLocal<Connection> pinned = new ThreadLocal<>();

  private final DatabaseSettings settings;

  /** Migrates the database to the newest schema and opens the pool. */
  public Database(DatabaseSettings settings) {
    this.settings = settings;
    migrate(settings);
    PostgresqlConnectionConfiguration.Builder connection =
        PostgresqlConnectionConfiguration.builder()
            .host(settings.getHost())
            .port(settings.getPort())
            .database(settings.getName())
            .username(settings.getUsername())
            .applicationName("lockstep-rca-recorder");
    if (!settings.getPassword().isEmpty()) {
      connection.password(settings.getPassword());
    }
    this.pool =
        new ConnectionPool(
            ConnectionPoolConfiguration.builder(new PostgresqlConnectionFactory(connection.build()))
                .initialSize(1)
                .maxSize(Math.max(1, settings.getPoolSize()))
                .maxAcquireTime(TIMEOUT)
                .build());
  }

  private static void migrate(DatabaseSettings settings) {
    var result =
        Flyway.configure()
            .dataSource(
                settings.jdbcUrl(),
                settings.getUsername(),
                settings.getPassword().isEmpty() ? null : settings.getPassword())
            .locations("classpath:db/recorder")
            .load()
            .migrate();
    LOG.info(
        "event store {} at schema version {} ({} migrations applied)",
        settings,
        result.targetSchemaVersion,
        result.migrationsExecuted);
  }

  /** The settings it was opened with. */
  public DatabaseSettings settings() {
    return settings;
  }

  /**
   * Runs work whose transactions and sessions ({@link #inTransaction}, {@link #inSnapshot}, {@link
   * #withSession}) all use one connection, taken from the pool once: each batch of the ingest makes
   * three transactions, and a connection taken and given back costs as much as a statement. Work on
   * the calling thread only; nested calls use the outer connection.
   */
  public <T> T onOneConnection(Supplier<T> work) {
    if (pinned.get() != null) {
      return work.get();
    }
    Connection connection = Mono.from(pool.create()).block(TIMEOUT);
    pinned.set(connection);
    try {
      return work.get();
    } finally {
      pinned.remove();
      Mono.from(connection.close()).block(TIMEOUT);
    }
  }

  /** Runs work on one connection, inside a transaction: all of it is durable, or none. */
  public <T> T inTransaction(Function<Session, T> work) {
    return inTransaction(null, work);
  }

  /**
   * Runs work in a transaction of the given definition (null: the database's default), on the
   * connection of {@link #onOneConnection} or one of the pool's.
   */
  private <T> T inTransaction(TransactionDefinition definition, Function<Session, T> work) {
    Connection held = pinned.get();
    Connection connection = held != null ? held : Mono.from(pool.create()).block(TIMEOUT);
    try {
      Mono.from(
              definition == null
                  ? connection.beginTransaction()
                  : connection.beginTransaction(definition))
          .block(TIMEOUT);
      T result;
      try {
        result = work.apply(new Session(connection));
        Mono.from(connection.commitTransaction()).block(TIMEOUT);
      } catch (RuntimeException e) {
        try {
          Mono.from(connection.rollbackTransaction()).block(TIMEOUT);
        } catch (RuntimeException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
      return result;
    } finally {
      if (held == null) {
        Mono.from(connection.close()).block(TIMEOUT);
      }
    }
  }

  /**
   * Runs reads on one connection that all see one snapshot of the database (a read-only {@code
   * REPEATABLE READ} transaction): rows committed meanwhile by others appear in none of them, and
   * any snapshot taken later holds every row this one holds.
   */
  public <T> T inSnapshot(Function<Session, T> work) {
    return inTransaction(
        PostgresTransactionDefinition.from(IsolationLevel.REPEATABLE_READ).readOnly(), work);
  }

  /** Runs work on one connection in auto-commit mode. */
  public <T> T withSession(Function<Session, T> work) {
    Connection held = pinned.get();
    Connection connection = held != null ? held : Mono.from(pool.create()).block(TIMEOUT);
    try {
      return work.apply(new Session(connection));
    } finally {
      if (held == null) {
        Mono.from(connection.close()).block(TIMEOUT);
      }
    }
  }

  /**
   * The rows of a query as they come, read from a server-side portal {@code fetchSize} rows at a
   * time on a connection of their own, which is given back to the pool when the stream ends, fails
   * or is cancelled: a result of any size streams in bounded memory. The statement runs in one
   * snapshot (the implicit transaction of one extended-protocol query).
   */
  public <T> Flux<T> stream(String sql, List<?> binds, int fetchSize, Function<Row, T> mapper) {
    return Flux.usingWhen(
        pool.create(),
        connection ->
            Flux.from(
                    Session.bind(connection.createStatement(sql), binds)
                        .fetchSize(fetchSize)
                        .execute())
                .concatMap(result -> result.map((row, meta) -> mapper.apply(row))),
        Connection::close);
  }

  @Override
  public void close() {
    pool.dispose();
  }

  /** True when the failure, or one of its causes, is the database's error of this SQLSTATE. */
  public static boolean hasSqlState(Throwable failure, String sqlState) {
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < 10; depth++) {
      if (cause instanceof R2dbcException r2dbc && sqlState.equals(r2dbc.getSqlState())) {
        return true;
      }
      cause = cause.getCause();
    }
    return false;
  }

  /** A typed SQL null for a bind parameter. */
  public record Null(Class<?> type) {}

  /** Statements on one connection; binds are positional ($1, $2, ...). */
  public static final class Session {
    private final Connection connection;

    Session(Connection connection) {
      this.connection = connection;
    }

    /** Runs a statement and answers how many rows it changed. */
    public long update(String sql, List<?> binds) {
      Statement statement = bind(connection.createStatement(sql), binds);
      Long changed =
          Flux.from(statement.execute())
              .flatMap(result -> Mono.from(result.getRowsUpdated()))
              .reduce(0L, Long::sum)
              .block(TIMEOUT);
      return changed == null ? 0 : changed;
    }

    /** Runs a query and maps each row. */
    public <T> List<T> query(String sql, List<?> binds, Function<Row, T> mapper) {
      Statement statement = bind(connection.createStatement(sql), binds);
      List<T> rows =
          Flux.from(statement.execute())
              .flatMap(result -> result.map((row, meta) -> mapper.apply(row)))
              .collectList()
              .block(TIMEOUT);
      return rows == null ? new ArrayList<>() : rows;
    }

    /**
     * Runs {@code COPY ... FROM STDIN} with the given input (in the format the statement names) and
     * answers how many rows it copied.
     */
    public long copyIn(String sql, byte[] input) {
      Long copied =
          postgres(connection).copyIn(sql, Mono.just(Unpooled.wrappedBuffer(input))).block(TIMEOUT);
      return copied == null ? 0 : copied;
    }

    /** The driver's own connection under the pool's wrapper: it alone speaks COPY. */
    private static PostgresqlConnection postgres(Connection connection) {
      Object current = connection;
      while (!(current instanceof PostgresqlConnection) && current instanceof Wrapped<?> wrapped) {
        current = wrapped.unwrap();
      }
      if (current instanceof PostgresqlConnection postgres) {
        return postgres;
      }
      throw new IllegalStateException("not a PostgreSQL connection: " + connection.getClass());
    }

    static Statement bind(Statement statement, List<?> binds) {
      for (int i = 0; i < binds.size(); i++) {
        Object value = binds.get(i);
        if (value instanceof Null typed) {
          statement.bindNull(i, typed.type());
        } else if (value == null) {
          throw new IllegalArgumentException("bind " + i + " is null without a type");
        } else {
          statement.bind(i, value);
        }
      }
      return statement;
    }
  }
}
