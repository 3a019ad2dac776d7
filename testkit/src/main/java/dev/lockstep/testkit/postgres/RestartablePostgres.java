package dev.lockstep.testkit.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL that a fault test can stop and start again on the same port and data
 * directory: rows committed before {@link #stop()} are there after {@link #start()}, and {@link
 * #jdbcUrl()} does not change. While it is stopped, connection attempts are refused.
 *
 * <p>Made by {@link Postgres#startRestartable(Path)}. The directory holds the data directory
 * ({@code data/}) and the port chosen at the first start ({@code port}); a later {@code
 * startRestartable} on the same directory reuses both. The port is a free one, never the 5432 of a
 * PostgreSQL the machine may already run. The caller owns the directory: {@link #close()} stops the
 * server and leaves it.
 */
public final class RestartablePostgres implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RestartablePostgres.class);
  private static final String PORT_FILE = "port";
  private static final String DATA_DIRECTORY = "data";

  private final Path directory;
  private final Path dataDirectory;
  private final Postgres connections;
  private final Thread shutdownHook;
  private EmbeddedPostgres server;
  private boolean closed;

  private RestartablePostgres(Path directory, int port) {
    this.directory = directory;
    this.dataDirectory = directory.resolve(DATA_DIRECTORY);
    this.connections = Postgres.embeddedAt(port);
    this.shutdownHook = new Thread(this::stopQuietly, "lockstep-restartable-postgres-shutdown");
  }

  static RestartablePostgres startIn(Path directory) {
    RestartablePostgres postgres;
    try {
      Files.createDirectories(directory);
      Path portFile = directory.resolve(PORT_FILE);
      if (!Files.exists(portFile)) {
        Files.writeString(portFile, Integer.toString(freePort()));
      }
      postgres =
          new RestartablePostgres(directory, Integer.parseInt(Files.readString(portFile).trim()));
    } catch (IOException e) {
      throw new UncheckedIOException("Could not prepare PostgreSQL in " + directory, e);
    }
    Runtime.getRuntime().addShutdownHook(postgres.shutdownHook);
    try {
      postgres.start();
    } catch (RuntimeException e) {
      postgres.close();
      throw e;
    }
    return postgres;
  }

  /**
   * Starts the server on its port and data directory (initialising the data directory on the first
   * start) and returns once it answers {@code SELECT 1}.
   *
   * @return how long the start took
   * @throws IllegalStateException if it is running or closed, or does not start
   */
  public synchronized Duration start() {
    if (closed) {
      throw new IllegalStateException("Closed: " + this);
    }
    if (server != null) {
      throw new IllegalStateException("Already running: " + this);
    }
    long startNanos = System.nanoTime();
    try {
      server =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(false)
              .setPort(connections.port())
              .setServerConfig("fsync", "off")
              .setServerConfig("full_page_writes", "off")
              .setRegisterShutdownHook(false)
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("Could not start " + this, e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    LOG.info(
        "PostgreSQL at port {} in {} started in {} ms", port(), dataDirectory, took.toMillis());
    return took;
  }

  /**
   * Stops the server (a fast shutdown: sessions are disconnected, committed data is kept) and
   * returns once it has exited. Does nothing if it is not running.
   *
   * @return how long the stop took
   */
  public synchronized Duration stop() {
    if (server == null) {
      return Duration.ZERO;
    }
    long startNanos = System.nanoTime();
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not stop " + this, e);
    } finally {
      server = null;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    LOG.info("PostgreSQL at port {} stopped in {} ms", port(), took.toMillis());
    return took;
  }

  /** Whether the server was started and not stopped since. */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /** The directory holding the data directory and the port. */
  public Path directory() {
    return directory;
  }

  /** The connection details as a {@link Postgres}; its {@code close()} stops nothing. */
  public Postgres connections() {
    return connections;
  }

  /**
   * The JDBC URL of the {@code postgres} database, with the credentials; stable across restarts.
   */
  public String jdbcUrl() {
    return connections.jdbcUrl();
  }

  /** The JDBC URL of another database on this server. */
  public String jdbcUrl(String databaseName) {
    return connections.jdbcUrl(databaseName);
  }

  /** The R2DBC URL of the {@code postgres} database, without credentials. */
  public String r2dbcUrl() {
    return connections.r2dbcUrl();
  }

  /** The R2DBC URL of another database on this server, without credentials. */
  public String r2dbcUrl(String databaseName) {
    return connections.r2dbcUrl(databaseName);
  }

  /** The host name clients connect to. */
  public String host() {
    return connections.host();
  }

  /** The port clients connect to; chosen at the first start and kept. */
  public int port() {
    return connections.port();
  }

  /** The database that {@link #jdbcUrl()} names ({@code postgres}). */
  public String database() {
    return connections.database();
  }

  /** The user name clients log in with ({@code postgres}, no password). */
  public String username() {
    return connections.username();
  }

  /** A JDBC data source for the {@code postgres} database; connections come without a pool. */
  public DataSource dataSource() {
    return connections.dataSource();
  }

  /** Opens a new JDBC connection to the {@code postgres} database; the caller closes it. */
  public Connection connect() throws SQLException {
    return connections.connect();
  }

  /**
   * Creates an empty database, replacing any of that name, and returns its JDBC URL; see {@link
   * Postgres#createDatabase(String)}.
   */
  public String createDatabase(String name) {
    return connections.createDatabase(name);
  }

  /** Stops the server if it runs; the directory stays. Later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    stop();
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: nothing to remove.
    }
  }

  @Override
  public String toString() {
    return "RestartablePostgres[" + host() + ":" + port() + " in " + directory + "]";
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      LOG.warn("Could not stop {} at exit", this, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
