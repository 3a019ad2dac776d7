package dev.lockstep.validator.sql;

import static dev.lockstep.validator.TestingValidator.awaitGateEvents;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.platform;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.manifest.Gate;
import dev.lockstep.testkit.postgres.Postgres;
import dev.lockstep.validator.TestingValidator;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sql gates against the real PostgreSQL: a row count captured before the change and compared after
 * it fails when rows vanish and passes when they stay; an expected value; a datasource that is not
 * configured fails closed; the password never reaches an event.
 */
class SqlGateIT {
  private static final String DATABASE = "validator_sql_it";
  private static final String ROLE = "validator_reader";
  private static final String PASSWORD = "pw-Reader-7f3a9c";
  private static String url;
  private static ApplicationContext validator;

  @BeforeAll
  static void start() throws Exception {
    Postgres postgres = Postgres.shared();
    String adminUrl = postgres.createDatabase(DATABASE);
    try (Connection admin = DriverManager.getConnection(adminUrl);
        Statement sql = admin.createStatement()) {
      sql.execute(
          "DO $$ BEGIN CREATE ROLE "
              + ROLE
              + " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
      sql.execute("ALTER ROLE " + ROLE + " PASSWORD '" + PASSWORD + "'");
      for (String table :
          List.of("orders_vanish", "orders_kept", "orders_guarded", "orders_restored")) {
        sql.execute("CREATE TABLE " + table + " (id int primary key)");
        sql.execute("INSERT INTO " + table + " VALUES (1), (2), (3)");
        sql.execute("GRANT SELECT ON " + table + " TO " + ROLE);
      }
    }
    url = "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + DATABASE;
    validator =
        TestingValidator.start(
            Map.of(
                // the owner's credentials: only the gate's read-only transaction keeps it reading
                "lockstep.validator.datasources.orders-owner.url",
                url,
                "lockstep.validator.datasources.orders-owner.username",
                postgres.username(),
                "lockstep.validator.datasources.orders-owner.password",
                postgres.password() == null ? "" : postgres.password(),
                "lockstep.validator.sql.statement-timeout",
                "1s",
                "lockstep.validator.datasources.orders.url",
                url,
                "lockstep.validator.datasources.orders.username",
                ROLE,
                // A placeholder, as an operator writes ${ORDERS_DB_PASSWORD} for an env variable.
                "lockstep.validator.datasources.orders.password",
                "${lockstep-test.reader-password}",
                "lockstep-test.reader-password",
                PASSWORD));
  }

  @AfterAll
  static void stop() {
    if (validator != null) {
      validator.close();
    }
  }

  private static Gate rowCount(String table) {
    return gate(
        table + "-rows",
        null,
        null,
        null,
        new Gate.SqlCheck("orders", "select count(*) from " + table, null, true),
        "100ms",
        null,
        null,
        null,
        null,
        null);
  }

  /** A platform whose sql gates may use both datasources. */
  private static String allowed() {
    String platform = platform("sql");
    TestingValidator.reach(
        platform, Map.of("datasources", List.of("orders", "orders-owner")), validator);
    return platform;
  }

  private static int rows(String table) throws Exception {
    try (Connection admin = DriverManager.getConnection(Postgres.shared().jdbcUrl(DATABASE));
        Statement sql = admin.createStatement();
        java.sql.ResultSet rows = sql.executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static TestingValidator.Verdict runOnce(String datasource, String query) {
    String platform = allowed();
    request(
        platform,
        "u-" + platform,
        gate(
            "probe",
            null,
            null,
            null,
            new Gate.SqlCheck(datasource, query, null, false),
            "100ms",
            null,
            null,
            null,
            0,
            null),
        GatePurpose.VERIFY,
        Instant.now());
    return TestingValidator.awaitVerdict(platform);
  }

  @Test
  void aQueryThatWritesChangesNothingEvenWithTheOwnersCredentials() throws Exception {
    TestingValidator.Verdict delete =
        runOnce(
            "orders-owner",
            "WITH d AS (DELETE FROM orders_guarded RETURNING *) SELECT count(*) FROM d");
    TestingValidator.Verdict twoStatements =
        runOnce("orders-owner", "DELETE FROM orders_guarded; SELECT count(*) FROM orders_guarded");

    assertThat(rows("orders_guarded")).isEqualTo(3);
    assertThat(delete.passed()).isFalse();
    assertThat(delete.asFailed().reason())
        .contains("the query on 'orders-owner' failed")
        .contains("read-only transaction");
    assertThat(twoStatements.passed()).isFalse();
    assertThat(twoStatements.asFailed().reason()).contains("must be one statement");
  }

  @Test
  void aQueryThatOutlastsTheStatementTimeoutIsCancelled() {
    Instant start = Instant.now();
    TestingValidator.Verdict verdict = runOnce("orders", "SELECT pg_sleep(20)::text");

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason())
        .contains("the query on 'orders' failed")
        .contains("cancel");
    assertThat(java.time.Duration.between(start, Instant.now()))
        .isLessThan(java.time.Duration.ofSeconds(15));
  }

  @Test
  void aDatasourceThePlatformDoesNotAllowIsRefused() {
    String platform = platform("sql");
    TestingValidator.reach(platform, Map.of("datasources", List.of("orders")), validator);
    request(
        platform,
        "u-" + platform,
        gate(
            "probe",
            null,
            null,
            null,
            new Gate.SqlCheck("orders-owner", "select 1", "1", false),
            "100ms",
            null,
            null,
            null,
            0,
            null),
        GatePurpose.VERIFY,
        Instant.now());

    assertThat(TestingValidator.awaitVerdict(platform).asFailed().reason())
        .contains("refused: datasource 'orders-owner' is not allowed for the platform");
  }

  private static List<EventEnvelope> awaitVerdicts(String platform, int count) {
    return awaitGateEvents(
        platform, events -> events.stream().filter(TestingValidator::isVerdict).count() >= count);
  }

  private static void execute(String statement) throws Exception {
    try (Connection admin = DriverManager.getConnection(Postgres.shared().jdbcUrl(DATABASE));
        Statement sql = admin.createStatement()) {
      sql.execute(statement);
    }
  }

  @Test
  void rowsThatVanishDuringTheChangeFailTheGate() throws Exception {
    String platform = allowed();
    String upgrade = "u-" + platform;
    Gate gate = rowCount("orders_vanish");

    request(platform, upgrade, gate, GatePurpose.CAPTURE_BASELINE, Instant.now());
    GatePassed captured = (GatePassed) awaitVerdicts(platform, 1).get(1).data();
    execute("DELETE FROM orders_vanish WHERE id = 2");
    request(platform, upgrade, gate, GatePurpose.VERIFY, Instant.now());
    List<EventEnvelope> events = awaitVerdicts(platform, 2);

    assertThat(captured.baseline()).isEqualTo("3");
    GateFailed failed =
        events.stream()
            .filter(e -> e.data() instanceof GateFailed)
            .map(e -> (GateFailed) e.data())
            .findFirst()
            .orElseThrow(() -> new AssertionError("no gate.failed in " + events));
    assertThat(failed.reason()).contains("2 differs from the baseline 3");
  }

  @Test
  void rowsThatStayPassTheGate() {
    String platform = allowed();
    String upgrade = "u-" + platform;
    Gate gate = rowCount("orders_kept");

    request(platform, upgrade, gate, GatePurpose.CAPTURE_BASELINE, Instant.now());
    awaitVerdicts(platform, 1);
    request(platform, upgrade, gate, GatePurpose.VERIFY, Instant.now());
    List<EventEnvelope> events = awaitVerdicts(platform, 2);

    assertThat(events.stream().filter(TestingValidator::isVerdict))
        .allSatisfy(e -> assertThat(e.data()).isInstanceOf(GatePassed.class));
  }

  @Test
  void aRollbacksVerificationComparesWithTheBaselineTakenBeforeTheUpgradeBegan() throws Exception {
    String platform = allowed();
    String upgrade = "u-" + platform;
    Gate gate = rowCount("orders_restored");
    Instant now = Instant.now();

    // before wave 0 (3 rows), then before wave 1 after wave 0 lost a row (2 rows)
    request(platform, upgrade, "b0-g", gate, GatePurpose.CAPTURE_BASELINE, now, null);
    awaitVerdicts(platform, 1);
    execute("DELETE FROM orders_restored WHERE id = 2");
    request(platform, upgrade, "b1-g", gate, GatePurpose.CAPTURE_BASELINE, now, null);
    awaitVerdicts(platform, 2);
    // the rollback restores the row; its verification compares with the state before the upgrade
    execute("INSERT INTO orders_restored VALUES (2)");
    request(platform, "rb-" + upgrade, "w1-g", gate, GatePurpose.VERIFY, now, upgrade);
    // the upgrade's own gate after wave 1 compares with the baseline taken just before that wave
    request(platform, upgrade, "w1-g", gate, GatePurpose.VERIFY, now, null);
    List<EventEnvelope> events = awaitVerdicts(platform, 4);

    assertThat(verdictOf(events, "rb-" + upgrade)).isInstanceOf(GatePassed.class);
    assertThat(verdictOf(events, upgrade, "w1-g"))
        .isInstanceOfSatisfying(
            GateFailed.class,
            failed -> assertThat(failed.reason()).contains("3 differs from the baseline 2"));
  }

  private static Object verdictOf(List<EventEnvelope> events, String upgradeId) {
    return verdictOf(events, upgradeId, "w1-g");
  }

  private static Object verdictOf(List<EventEnvelope> events, String upgradeId, String gateId) {
    return events.stream()
        .filter(TestingValidator::isVerdict)
        .filter(e -> e.subject().equals(upgradeId))
        .map(EventEnvelope::data)
        .filter(
            d ->
                d instanceof GatePassed p
                    ? p.gateId().equals(gateId)
                    : ((GateFailed) d).gateId().equals(gateId))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no verdict of " + upgradeId + " in " + events));
  }

  @Test
  void aVerifyWithoutACapturedBaselineFails() {
    String platform = allowed();
    request(platform, "u-" + platform, rowCount("orders_kept"), GatePurpose.VERIFY, Instant.now());

    GateFailed failed = TestingValidator.awaitVerdict(platform).asFailed();

    assertThat(failed.reason()).contains("no baseline was captured");
  }

  @Test
  void aQueryMustReturnTheExpectedValue() {
    String platform = allowed();
    request(
        platform,
        "u-" + platform,
        gate(
            "max-id",
            null,
            null,
            null,
            new Gate.SqlCheck("orders", "select max(id) from orders_kept", "3", false),
            null,
            null,
            null,
            null,
            null,
            null),
        GatePurpose.VERIFY,
        Instant.now());

    TestingValidator.Verdict verdict = TestingValidator.awaitVerdict(platform);

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.asPassed().measurements().get(0).value()).isEqualTo("3");
  }

  @Test
  void anUnknownDatasourceFailsClosedAndNoPasswordIsWritten() throws Exception {
    String platform = platform("sql");
    request(
        platform,
        "u-" + platform,
        gate(
            "elsewhere",
            null,
            null,
            null,
            new Gate.SqlCheck("billing", "select 1", "1", false),
            "100ms",
            null,
            null,
            null,
            1,
            null),
        GatePurpose.VERIFY,
        Instant.now());

    TestingValidator.Verdict verdict = TestingValidator.awaitVerdict(platform);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements())
        .hasSize(2)
        .allSatisfy(m -> assertThat(m.phase()).isEqualTo(MeasurementPhase.ERROR));
    assertThat(verdict.asFailed().reason()).contains("datasource 'billing' is not configured");
    for (EventEnvelope event : TestingValidator.gateEvents(platform)) {
      assertThat(Json.mapper().writeValueAsString(event.data())).doesNotContain(PASSWORD);
    }
  }
}
