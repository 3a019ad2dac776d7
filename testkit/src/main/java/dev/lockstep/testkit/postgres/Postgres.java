package dev.lockstep.testkit.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real PostgreSQL server for tests and the local mode, chosen at run time: the server named by
 * {@value #URL_ENV}, else a Testcontainers container when a Docker engine answers, else an embedded
 * PostgreSQL started from the bundled binaries.
 *
 * <p>Tests use {@link #shared()}, one server per JVM, and {@link #createDatabase(String)} where
 * they need an empty database of their own; the local mode uses {@link #start()} and closes it.
 */
public final class Postgres implements AutoCloseable {

  /** Environment variable with the JDBC URL of an external server to use instead. */
  public static final String URL_ENV = "LOCKSTEP_POSTGRES_URL";

  /** Environment variable overriding the Docker image used when Docker answers. */
  public static final String IMAGE_ENV = "LOCKSTEP_POSTGRES_IMAGE";

  /** The image used when Docker answers and {@value #IMAGE_ENV} is not set. */
  public static final String DEFAULT_IMAGE = "postgres:17-alpine";

  private static final Logger LOG = LoggerFactory.getLogger(Postgres.class);
  private static final Pattern JDBC_URL =
      Pattern.compile("^(jdbc:postgresql://[^/?]*)(?:/([^?]*))?(\\?.*)?$");
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Set<String> PROTECTED_DATABASES =
      Set.of("postgres", "template0", "template1");

  private static Postgres shared;

  /** Where the server runs. */
  public enum Kind {
    /** An existing server named by {@value Postgres#URL_ENV}; never stopped by us. */
    EXTERNAL,
    /** A Testcontainers {@code postgres} container. */
    TESTCONTAINERS,
    /** A PostgreSQL process started from the zonky embedded binaries. */
    EMBEDDED
  }

  private final Kind kind;
  private final String host;
  private final int port;
  private final String database;
  private final String username;
  private final String password;
  private final String urlPrefix;
  private final String urlQuery;
  private final AutoCloseable server;
  private final boolean isShared;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private Postgres(
      Kind kind,
      String host,
      int port,
      String database,
      String username,
      String password,
      String urlPrefix,
      String urlQuery,
      AutoCloseable server,
      boolean isShared) {
    this.kind = kind;
    this.host = host;
    this.port = port;
    this.database = database;
    this.username = username;
    this.password = password;
    this.urlPrefix = urlPrefix;
    this.urlQuery = urlQuery;
    this.server = server;
    this.isShared = isShared;
  }

  /**
   * The server shared by every test class of this JVM: started on the first call and stopped by a
   * shutdown hook. Its {@link #close()} does nothing.
   */
  public static synchronized Postgres shared() {
    if (shared == null) {
      Postgres postgres = launch(true);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(postgres::stop, "lockstep-postgres-shutdown"));
      shared = postgres;
    }
    return shared;
  }

  /** Starts a dedicated server that the caller closes. */
  public static Postgres start() {
    return launch(false);
  }

  /**
   * Starts an embedded PostgreSQL whose data directory (under {@code directory}) and port stay the
   * same across {@link RestartablePostgres#stop()} and {@link RestartablePostgres#start()}, for
   * fault tests. It is always embedded: {@value #URL_ENV} and Docker are not consulted. The caller
   * closes it and owns the directory.
   */
  public static RestartablePostgres startRestartable(Path directory) {
    return RestartablePostgres.startIn(directory);
  }

  /** Where this server runs. */
  public Kind kind() {
    return kind;
  }

  /** The JDBC URL of {@link #database()}, with the credentials as URL parameters. */
  public String jdbcUrl() {
    return jdbcUrl(database);
  }

  /** The JDBC URL of another database on this server, with the same credentials and parameters. */
  public String jdbcUrl(String databaseName) {
    return urlPrefix + "/" + databaseName + urlQuery;
  }

  /**
   * The R2DBC URL of {@link #database()}, without credentials: {@code r2dbc:postgresql://h:p/db}.
   */
  public String r2dbcUrl() {
    return r2dbcUrl(database);
  }

  /** The R2DBC URL of another database on this server, without credentials. */
  public String r2dbcUrl(String databaseName) {
    return "r2dbc:postgresql://" + host + ":" + port + "/" + databaseName;
  }

  /** The host name clients connect to. */
  public String host() {
    return host;
  }

  /** The port clients connect to. */
  public int port() {
    return port;
  }

  /** The database that {@link #jdbcUrl()} names. */
  public String database() {
    return database;
  }

  /** The user name clients log in with. */
  public String username() {
    return username;
  }

  /** The password clients log in with; empty where the server trusts local logins. */
  public String password() {
    return password;
  }

  /** A JDBC data source for {@link #database()}; connections come without a pool. */
  public DataSource dataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(jdbcUrl());
    return dataSource;
  }

  /** Opens a new JDBC connection to {@link #database()}; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  /**
   * Creates an empty database (from {@code template0}), replacing any database of that name and
   * disconnecting its sessions, and returns its JDBC URL. Tests that need isolation, such as a
   * rebuild into an empty database, use it.
   *
   * @param name a lower-case SQL identifier, other than this server's own databases
   * @throws IllegalArgumentException if the name is not a plain identifier or names {@link
   *     #database()}, {@code postgres} or a template
   * @throws IllegalStateException if the server refuses
   */
  public String createDatabase(String name) {
    if (!DATABASE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Database name must match " + DATABASE_NAME.pattern() + ": " + name);
    }
    if (name.equals(database) || PROTECTED_DATABASES.contains(name)) {
      throw new IllegalArgumentException("Will not replace database " + name);
    }
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
      statement.execute("CREATE DATABASE \"" + name + "\" TEMPLATE template0");
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create database " + name + " on " + this, e);
    }
    return jdbcUrl(name);
  }

  /** Stops a server started by {@link #start()}; does nothing for the shared or an external one. */
  @Override
  public void close() {
    if (!isShared) {
      stop();
    }
  }

  @Override
  public String toString() {
    return "Postgres[" + kind + " at " + host + ":" + port + "/" + database + "]";
  }

  private static Postgres launch(boolean isShared) {
    long startNanos = System.nanoTime();
    String external = System.getenv(URL_ENV);
    Postgres postgres;
    if (external != null && !external.isBlank()) {
      postgres = external(external.trim(), isShared);
    } else if (DockerClientFactory.instance().isDockerAvailable()) {
      postgres = startContainer(isShared);
    } else {
      postgres = startEmbedded(isShared);
    }
    LOG.info(
        "PostgreSQL: {} at {}:{}/{} as {} (ready in {} ms)",
        postgres.kind,
        postgres.host,
        postgres.port,
        postgres.database,
        postgres.username,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    return postgres;
  }

  private static Postgres external(String url, boolean isShared) {
    Matcher matcher = JDBC_URL.matcher(url);
    Properties properties = Driver.parseURL(url, new Properties());
    if (!matcher.matches() || properties == null) {
      throw new IllegalArgumentException(
          URL_ENV + " is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db?user=...)");
    }
    // Several hosts may be listed; clients of this class get the first.
    String host = properties.getProperty("PGHOST", "localhost").split(",")[0];
    int port = Integer.parseInt(properties.getProperty("PGPORT", "5432").split(",")[0]);
    String database = properties.getProperty("PGDBNAME");
    if (database == null || database.isEmpty()) {
      throw new IllegalArgumentException(URL_ENV + " must name a database: " + url);
    }
    String username = properties.getProperty("user", System.getProperty("user.name"));
    String password = properties.getProperty("password", "");
    String query = matcher.group(3) == null ? "" : matcher.group(3);
    return new Postgres(
        Kind.EXTERNAL,
        host,
        port,
        database,
        username,
        password,
        matcher.group(1),
        query,
        null,
        isShared);
  }

  private static Postgres startContainer(boolean isShared) {
    String image = System.getenv().getOrDefault(IMAGE_ENV, DEFAULT_IMAGE);
    PostgreSQLContainer container =
        new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
    container.start();
    String host = container.getHost();
    int port = container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    return new Postgres(
        Kind.TESTCONTAINERS,
        host,
        port,
        container.getDatabaseName(),
        container.getUsername(),
        container.getPassword(),
        "jdbc:postgresql://" + host + ":" + port,
        credentialsQuery(container.getUsername(), container.getPassword()),
        container,
        isShared);
  }

  private static Postgres startEmbedded(boolean isShared) {
    EmbeddedPostgres embedded;
    try {
      embedded =
          EmbeddedPostgres.builder()
              .setServerConfig("fsync", "off")
              .setServerConfig("full_page_writes", "off")
              // The shared server is stopped by our own hook; a dedicated one keeps zonky's as a
              // safety net in case the caller never closes it.
              .setRegisterShutdownHook(!isShared)
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("Could not start the embedded PostgreSQL", e);
    }
    String host = "localhost";
    int port = embedded.getPort();
    return new Postgres(
        Kind.EMBEDDED,
        host,
        port,
        "postgres",
        "postgres",
        "",
        "jdbc:postgresql://" + host + ":" + port,
        credentialsQuery("postgres", ""),
        embedded,
        isShared);
  }

  /** The connection details of an embedded server on {@code port}; closing them stops nothing. */
  static Postgres embeddedAt(int port) {
    String host = "localhost";
    return new Postgres(
        Kind.EMBEDDED,
        host,
        port,
        "postgres",
        "postgres",
        "",
        "jdbc:postgresql://" + host + ":" + port,
        credentialsQuery("postgres", ""),
        null,
        false);
  }

  private static String credentialsQuery(String username, String password) {
    String query = "?user=" + URLEncoder.encode(username, StandardCharsets.UTF_8);
    if (!password.isEmpty()) {
      query += "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
    }
    return query;
  }

  private void stop() {
    if (server != null && stopped.compareAndSet(false, true)) {
      try {
        server.close();
      } catch (Exception e) {
        LOG.warn("Could not stop the {} PostgreSQL cleanly", kind, e);
      }
    }
  }
}
