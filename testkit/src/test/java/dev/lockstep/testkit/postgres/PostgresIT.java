package dev.lockstep.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PostgresIT {

  private final Postgres postgres = Postgres.shared();

  @Test
  void everyCallGetsTheSameServer() {
    assertThat(Postgres.shared()).isSameAs(postgres);
  }

  @Test
  void theSharedServerAnswersSelectOne() throws SQLException {
    try (Connection connection = postgres.connect()) {
      assertThat(queryInt(connection, "select 1")).isEqualTo(1);
    }
  }

  @Test
  void theAccessorsAreEnoughToLogIn() throws SQLException {
    Properties credentials = new Properties();
    credentials.setProperty("user", postgres.username());
    credentials.setProperty("password", postgres.password());
    String url =
        "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + postgres.database();

    try (Connection connection = DriverManager.getConnection(url, credentials)) {
      assertThat(queryString(connection, "select current_database()"))
          .isEqualTo(postgres.database());
    }
    assertThat(postgres.r2dbcUrl())
        .isEqualTo(
            "r2dbc:postgresql://"
                + postgres.host()
                + ":"
                + postgres.port()
                + "/"
                + postgres.database());
  }

  @Test
  void aCreatedDatabaseIsEmptyAndReachable() throws SQLException {
    String url = postgres.createDatabase("lockstep_it_fresh");

    try (Connection connection = DriverManager.getConnection(url)) {
      assertThat(queryString(connection, "select current_database()"))
          .isEqualTo("lockstep_it_fresh");
      assertThat(countTables(connection)).isZero();
    }
  }

  @Test
  void aTableInOneDatabaseDoesNotShowInAnother() throws SQLException {
    String first = postgres.createDatabase("lockstep_it_first");
    String second = postgres.createDatabase("lockstep_it_second");

    try (Connection connection = DriverManager.getConnection(first);
        Statement statement = connection.createStatement()) {
      statement.execute("create table upgrade_step (id bigint primary key)");
      assertThat(countTables(connection)).isEqualTo(1);
    }

    try (Connection connection = DriverManager.getConnection(second)) {
      assertThat(countTables(connection)).isZero();
    }
    try (Connection connection = postgres.connect()) {
      assertThat(tableExists(connection, "upgrade_step")).isFalse();
    }
  }

  @Test
  void creatingADatabaseAgainEmptiesIt() throws SQLException {
    String url = postgres.createDatabase("lockstep_it_again");
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.execute("create table leftover (id bigint)");
    }
    // A session left open must not stop the database from being replaced.
    try (Connection lingering = DriverManager.getConnection(url)) {
      assertThat(postgres.createDatabase("lockstep_it_again")).isEqualTo(url);
    }

    try (Connection connection = DriverManager.getConnection(url)) {
      assertThat(countTables(connection)).isZero();
    }
  }

  @Test
  void theServersOwnDatabasesCannotBeReplaced() {
    assertThatThrownBy(() -> postgres.createDatabase(postgres.database()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> postgres.createDatabase("template1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> postgres.createDatabase("x\"; drop database postgres; --"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int countTables(Connection connection) throws SQLException {
    return queryInt(
        connection,
        "select count(*) from information_schema.tables"
            + " where table_schema not in ('pg_catalog', 'information_schema')");
  }

  private static boolean tableExists(Connection connection, String table) throws SQLException {
    return queryInt(
            connection,
            "select count(*) from information_schema.tables where table_name = '" + table + "'")
        > 0;
  }

  private static int queryInt(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      assertThat(result.next()).isTrue();
      return result.getInt(1);
    }
  }

  private static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      assertThat(result.next()).isTrue();
      return result.getString(1);
    }
  }
}
