package dev.lockstep.cli.local;

import dev.lockstep.testkit.cluster.SimulatedSnapshotController;
import dev.lockstep.testkit.postgres.Postgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the sample's postgres holds in the {@code data-integrity} scenario: a database of the local
 * mode's real PostgreSQL with the table {@value #TABLE} of {@value #ROWS} rows, whose row count the
 * scenario's sql gate compares with its baseline. It is the contents of postgres's volume: a
 * snapshot of the claim copies the table within the database ({@code lockstep_snapshots.<name>}),
 * and a claim created from the snapshot gets the copy back, as a CSI driver would restore the
 * volume; metis's migration {@linkplain #loseRows loses rows}.
 */
public final class SampleData implements SimulatedSnapshotController.VolumeData {

  /** The datasource the variant's sql gate names (a copy's has the copy's suffix). */
  public static final String DATASOURCE = "sample-data";

  /** The table the gate counts. */
  public static final String TABLE = "metis.datasets";

  /** Its rows before the upgrade. */
  public static final int ROWS = 500;

  /** The rows the faulty migration deletes: every 25th. */
  public static final int LOST = ROWS / 25;

  private final Postgres postgres;
  private final String database;

  private SampleData(Postgres postgres, String database) {
    this.postgres = postgres;
    this.database = database;
  }

  /** Creates the database afresh (replacing one of that name) with the table and its rows. */
  static SampleData create(Postgres postgres, String database) {
    postgres.createDatabase(database);
    SampleData data = new SampleData(postgres, database);
    data.execute(
        "create schema metis",
        "create table "
            + TABLE
            + " (id int primary key, name text not null, created timestamptz not null)",
        "insert into "
            + TABLE
            + " select i, 'dataset-' || i, now() from generate_series(1, "
            + ROWS
            + ") i",
        "create schema lockstep_snapshots");
    return data;
  }

  /** The database's name. */
  public String database() {
    return database;
  }

  /** Its JDBC URL, with the server's credentials. */
  public String jdbcUrl() {
    return postgres.jdbcUrl(database);
  }

  /** The rows of {@value #TABLE} now. */
  public int count() {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select count(*) from " + TABLE)) {
      rows.next();
      return rows.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the rows of " + TABLE + " in " + database, e);
    }
  }

  /** What the faulty migration does: deletes {@value #LOST} rows of {@value #TABLE}. */
  void loseRows() {
    execute("delete from " + TABLE + " where id % 25 = 0");
  }

  @Override
  public void snapshot(String snapshot) {
    String copy = copyOf(snapshot);
    execute("drop table if exists " + copy, "create table " + copy + " as table " + TABLE);
  }

  @Override
  public void restore(String snapshot) {
    execute("truncate " + TABLE, "insert into " + TABLE + " table " + copyOf(snapshot));
  }

  private static String copyOf(String snapshot) {
    return "lockstep_snapshots.\"" + snapshot.replace("\"", "") + "\"";
  }

  /** Runs the statements in one transaction. */
  private void execute(String... statements) {
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        for (String sql : statements) {
          statement.execute(sql);
        }
      }
      connection.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the sample's data in " + database + ": " + e.getMessage(), e);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }
}
