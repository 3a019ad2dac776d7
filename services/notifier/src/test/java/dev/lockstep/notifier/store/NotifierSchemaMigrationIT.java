package dev.lockstep.notifier.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.testkit.postgres.Postgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The notifier's schema is Flyway's: a new database gets every migration once, and a database that
 * the hand-written runner of earlier versions migrated keeps its data and is taken over at its
 * version.
 */
class NotifierSchemaMigrationIT {
  private static PGSimpleDataSource database() {
    String name =
        "notifier_migration_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    PGSimpleDataSource source = new PGSimpleDataSource();
    source.setURL(Postgres.shared().createDatabase(name));
    source.setUser(Postgres.shared().username());
    if (Postgres.shared().password() != null && !Postgres.shared().password().isEmpty()) {
      source.setPassword(Postgres.shared().password());
    }
    return source;
  }

  private static String query(PGSimpleDataSource source, String sql) throws Exception {
    try (Connection c = source.getConnection();
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  @Test
  void aNewDatabaseGetsTheSchemaOnceEvenWhenMigratedTwice() throws Exception {
    PGSimpleDataSource source = database();

    new Database(source).migrate();
    new Database(source).migrate();

    assertThat(query(source, "SELECT count(*) FROM notifier.feed_entries")).isEqualTo("0");
    assertThat(
            query(
                source,
                "SELECT count(*) FROM notifier.flyway_schema_history WHERE success AND version = '1'"))
        .isEqualTo("1");
  }

  @Test
  void aDatabaseOfTheEarlierRunnerKeepsItsDataAndIsTakenOverAtItsVersion() throws Exception {
    PGSimpleDataSource source = database();
    String v1 =
        new String(
            NotifierSchemaMigrationIT.class
                .getResourceAsStream("/db/notifier/V1__notifier_schema.sql")
                .readAllBytes(),
            StandardCharsets.UTF_8);
    try (Connection c = source.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA notifier");
      s.execute(
          "CREATE TABLE notifier.schema_version"
              + " (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
      s.execute(v1);
      s.execute("INSERT INTO notifier.schema_version (version) VALUES (1)");
      s.execute(
          "INSERT INTO notifier.subscriptions (id, document, updated_at)"
              + " VALUES (1, '{\"kept\":true}', now())");
    }

    new Database(source).migrate();

    assertThat(query(source, "SELECT document FROM notifier.subscriptions WHERE id = 1"))
        .isEqualTo("{\"kept\":true}");
    assertThat(query(source, "SELECT type FROM notifier.flyway_schema_history WHERE version = '1'"))
        .isEqualTo("BASELINE");
  }
}
