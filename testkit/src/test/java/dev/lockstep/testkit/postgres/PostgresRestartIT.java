package dev.lockstep.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresRestartIT {

  @TempDir static Path directory;

  private static RestartablePostgres postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = Postgres.startRestartable(directory);
  }

  @AfterAll
  static void closePostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void aRowWrittenBeforeAStopIsReadAfterTheStartOnTheSameUrl() throws SQLException {
    String url = postgres.createDatabase("lockstep_restart_rows");
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.execute("create table upgrade_step (id text primary key, state text not null)");
      statement.execute("insert into upgrade_step values ('u1-s1', 'SUCCEEDED')");
    }

    postgres.stop();
    postgres.start();

    assertThat(postgres.jdbcUrl("lockstep_restart_rows")).isEqualTo(url);
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery("select state from upgrade_step where id = 'u1-s1'")) {
      assertThat(result.next()).isTrue();
      assertThat(result.getString(1)).isEqualTo("SUCCEEDED");
    }
  }

  @Test
  void connectionsAreRefusedWhileStoppedAndAcceptedAfterTheStart() throws SQLException {
    int port = postgres.port();

    postgres.stop();
    try {
      assertThat(postgres.isRunning()).isFalse();
      assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl()).close())
          .isInstanceOf(SQLException.class);
    } finally {
      postgres.start();
    }

    assertThat(postgres.port()).isEqualTo(port).isNotEqualTo(5432);
    try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl());
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("select 1")) {
      assertThat(result.next()).isTrue();
    }
  }

  @Test
  void aSecondStartWhileRunningIsRefused() {
    assertThatThrownBy(postgres::start).isInstanceOf(IllegalStateException.class);
  }
}
