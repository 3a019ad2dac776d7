package dev.lockstep.bench;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ChannelRef;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.Gate;
import dev.lockstep.recorder.store.EventRow;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How fast the rca-recorder reads back what it stored, through its HTTP API: the replay (NDJSON) of
 * an upgrade with a million stored events, and the post-mortem (Markdown) of an upgrade with ten
 * thousand. The events are written straight into the event table of a fresh database (the replay's
 * by one server-side {@code INSERT ... SELECT} from a few real events, the post-mortem's from a
 * whole failed and rolled-back upgrade), the recorder serves them with its ingest off, and a JDK
 * HTTP client in the same JVM reads every byte. Not a test: it asserts nothing, but it prints what
 * it received, so a wrong answer shows.
 *
 * <p>Arguments: the replay's events (default 1000000), the post-mortem's events (default 10000),
 * the timed replays (default 3) and the timed post-mortems (default 10, after 3 untimed).
 */
public final class RecorderReadBenchmark {
  private static final Instant BASE = Instant.parse("2026-11-22T00:00:00Z");
  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private RecorderReadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int replayEvents = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int postMortemEvents = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int replays = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int postMortems = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    try (Postgres postgres = Postgres.start()) {
      replay(postgres, replayEvents, replays);
      postMortem(postgres, postMortemEvents, postMortems);
    }
  }

  /** Stores an upgrade of {@code count} events, then times whole replays of it. */
  private static void replay(Postgres postgres, int count, int runs) throws Exception {
    String database = "recorder_bench_replay";
    postgres.createDatabase(database);
    try (ApplicationContext context = recorder(postgres, database)) {
      String upgradeId = "bench-replay-up";
      long setup = System.nanoTime();
      storeRepeated(postgres.jdbcUrl(database), upgradeId, count);
      System.out.printf(
          "replay: %d events stored in %.1f s%n", count, (System.nanoTime() - setup) / 1e9);
      URI uri = uri(context, "/api/v1/upgrades/" + upgradeId + "/replay");
      String token = token(context);
      for (int run = 1; run <= runs; run++) {
        long start = System.nanoTime();
        long[] received;
        try {
          received = read(uri, token);
        } catch (Exception | OutOfMemoryError e) {
          System.out.printf(
              "replay run %d: failed after %.2f s: %s%n",
              run, (System.nanoTime() - start) / 1e9, e);
          continue;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "replay run %d: HTTP %d, %d lines, %.1f MB in %.2f s (%.0f events/s)%n",
            run, received[0], received[1], received[2] / 1e6, seconds, received[1] / seconds);
      }
    }
  }

  /** Stores a failed, rolled-back upgrade of about {@code count} events and times post-mortems. */
  private static void postMortem(Postgres postgres, int count, int runs) throws Exception {
    String database = "recorder_bench_postmortem";
    postgres.createDatabase(database);
    try (ApplicationContext context = recorder(postgres, database)) {
      BenchUpgrade upgrade = BenchUpgrade.failedAndRolledBack("bench-platform-pm", count);
      store(postgres.jdbcUrl(database), upgrade.events());
      String token = token(context);
      HttpResponse<String> rebuilt =
          HTTP.send(
              HttpRequest.newBuilder(uri(context, "/api/v1/projections/rebuild"))
                  .timeout(REQUEST_TIMEOUT)
                  .header("Authorization", "Bearer " + token)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      System.out.printf(
          "post-mortem: %d events stored; rebuild: HTTP %d %s%n",
          upgrade.events().size(), rebuilt.statusCode(), rebuilt.body());
      URI uri = uri(context, "/api/v1/upgrades/" + upgrade.upgradeId() + "/postmortem");
      HttpResponse<String> last = null;
      for (int warm = 0; warm < 3; warm++) {
        last = get(uri, token);
      }
      double[] millis = new double[runs];
      for (int run = 0; run < runs; run++) {
        long start = System.nanoTime();
        last = get(uri, token);
        millis[run] = (System.nanoTime() - start) / 1e6;
      }
      Arrays.sort(millis);
      System.out.printf(
          "post-mortem: HTTP %d, %d characters; median %.0f ms, min %.0f, max %.0f over %d runs"
              + " (after 3 untimed)%n",
          last.statusCode(),
          last.body().length(),
          millis[runs / 2],
          millis[0],
          millis[runs - 1],
          runs);
    }
  }

  private static ApplicationContext recorder(Postgres postgres, String database) {
    // no broker: ingest is off, the events are stored directly
    Map<String, Object> properties = RecorderProperties.of("localhost:1", postgres, database);
    properties.put("lockstep.recorder.ingest.enabled", false);
    ApplicationContext context = LockstepApplication.builder("rca-recorder", properties).start();
    // The store opens (and migrates the database) on first use.
    context.getBean(EventStore.class).isEmpty();
    context.getBean(EmbeddedServer.class).start();
    return context;
  }

  private static URI uri(ApplicationContext context, String path) {
    return URI.create(context.getBean(EmbeddedServer.class).getURL() + path);
  }

  private static String token(ApplicationContext context) {
    return context
        .getBean(TokenIssuer.class)
        .issue("bench", List.of(Roles.VIEWER, Roles.SUBMITTER), Duration.ofHours(2));
  }

  private static HttpResponse<String> get(URI uri, String token) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri)
            .timeout(REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Reads a whole response: its status, its lines and its bytes. */
  private static long[] read(URI uri, String token) throws Exception {
    HttpResponse<InputStream> response =
        HTTP.send(
            HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    long lines = 0;
    long bytes = 0;
    byte[] buffer = new byte[1 << 16];
    try (InputStream body = response.body()) {
      for (int n; (n = body.read(buffer)) >= 0; ) {
        bytes += n;
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            lines++;
          }
        }
      }
    }
    return new long[] {response.statusCode(), lines, bytes};
  }

  /**
   * Stores {@code count} events of one upgrade, a millisecond apart, cycling through a few real
   * events (step started and succeeded, a gate measurement, a gate passed, a notification), with
   * one server-side statement.
   */
  private static void storeRepeated(String jdbcUrl, String upgradeId, int count) throws Exception {
    String platform = "bench-platform-replay";
    EventCatalog catalog = EventCatalog.standard();
    EventCodec codec = new EventCodec(catalog);
    Measurement ok = new Measurement(0, MeasurementPhase.SUCCESSFUL, "0.001", null, BASE);
    List<EventPayload> payloads =
        List.of(
            new StepStarted(upgradeId, "s-0-1", 0, "metis", StepAction.SET_IMAGE, 1),
            new StepSucceeded(
                upgradeId,
                "s-0-1",
                0,
                "metis",
                StepAction.SET_IMAGE,
                "2.3.1",
                "2.4.0",
                List.of(),
                null),
            new GateMeasured(upgradeId, "w0-error-rate", "error-rate", "prometheus", ok),
            new GatePassed(
                upgradeId, "w0-error-rate", "error-rate", "prometheus", List.of(ok, ok, ok), null),
            new NotificationDelivered(
                "bench-source", upgradeId, "sre", new ChannelRef("slack", "#sre"), 1));
    try (Connection connection = DriverManager.getConnection(jdbcUrl)) {
      try (Statement statement = connection.createStatement()) {
        statement.execute(
            "CREATE TEMP TABLE templates (n int, topic text, type text, schema_version int,"
                + " source text, data jsonb)");
      }
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO templates VALUES (?, ?, ?, ?, ?, ?::jsonb)")) {
        for (int n = 0; n < payloads.size(); n++) {
          EventEnvelope event =
              EventEnvelope.create(
                  catalog,
                  "executor",
                  platform,
                  upgradeId,
                  payloads.get(n),
                  null,
                  Clock.fixed(BASE, ZoneOffset.UTC));
          EventRow row =
              EventRow.of(catalog.find(event.type()).orElseThrow().topic(), 0, 0, event, codec);
          insert.setInt(1, n);
          insert.setString(2, row.topic());
          insert.setString(3, row.type());
          insert.setInt(4, row.schemaVersion());
          insert.setString(5, row.source());
          insert.setString(6, row.dataJson());
          insert.addBatch();
        }
        insert.executeBatch();
      }
      try (PreparedStatement fill =
          connection.prepareStatement(
              "INSERT INTO events (event_id, topic, kafka_partition, kafka_offset, type,"
                  + " schema_version, source, platform, subject, upgrade_id, time, data)"
                  + " SELECT 'bench-replay-' || g, t.topic, 0, g, t.type, t.schema_version,"
                  + " t.source, ?, ?, ?, ?::timestamptz + g * interval '1 millisecond', t.data"
                  + " FROM generate_series(0, ? - 1) g JOIN templates t ON t.n = g % ?")) {
        fill.setString(1, platform);
        fill.setString(2, upgradeId);
        fill.setString(3, upgradeId);
        fill.setTimestamp(4, Timestamp.from(BASE));
        fill.setInt(5, count);
        fill.setInt(6, payloads.size());
        fill.executeUpdate();
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("ANALYZE events");
      }
    }
  }

  /** Stores the events as the recorder would have, one row each. */
  private static void store(String jdbcUrl, List<EventEnvelope> events) throws Exception {
    EventCodec codec = new EventCodec(EventCatalog.standard());
    try (Connection connection = DriverManager.getConnection(jdbcUrl);
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO events (event_id, topic, kafka_partition, kafka_offset, type,"
                    + " schema_version, source, platform, subject, upgrade_id, rollback_of, time,"
                    + " trace_id, traceparent, causation_id, data)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)")) {
      connection.setAutoCommit(false);
      for (int i = 0; i < events.size(); i++) {
        EventEnvelope event = events.get(i);
        EventRow row =
            EventRow.of(
                codec.catalog().find(event.type()).orElseThrow().topic(), 0, i, event, codec);
        insert.setString(1, row.eventId());
        insert.setString(2, row.topic());
        insert.setInt(3, row.partition());
        insert.setLong(4, row.offset());
        insert.setString(5, row.type());
        insert.setInt(6, row.schemaVersion());
        insert.setString(7, row.source());
        insert.setString(8, row.platform());
        insert.setObject(9, row.subject(), Types.VARCHAR);
        insert.setObject(10, row.upgradeId(), Types.VARCHAR);
        insert.setObject(11, row.rollbackOf(), Types.VARCHAR);
        insert.setTimestamp(12, Timestamp.from(row.time()));
        insert.setObject(13, row.traceId(), Types.VARCHAR);
        insert.setObject(14, row.traceparent(), Types.VARCHAR);
        insert.setObject(15, row.causationId(), Types.VARCHAR);
        insert.setString(16, row.dataJson());
        insert.addBatch();
        if (i % 1000 == 999) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
      connection.commit();
    }
  }

  /**
   * A long upgrade as the services would record it: requested, planned in ten waves of ten
   * components, each wave's steps and a gate measured every second, until the last wave's gate
   * fails; then the failure, the teams told, and the rollback of the hundred components it changed.
   * The gates' measurements fill the story up to the asked number of events.
   */
  private record BenchUpgrade(String upgradeId, List<EventEnvelope> events) {
    private static final int WAVES = 10;
    private static final int PER_WAVE = 10;

    static BenchUpgrade failedAndRolledBack(String platform, int count) {
      Builder b = new Builder(platform);
      int fixed = 3 + WAVES * (PER_WAVE * 2 + 2) + 1 + 4 + 2 + WAVES * PER_WAVE * 2 + 1;
      int measured = Math.max(WAVES * 2, count - fixed);
      String up = b.upgradeId;
      b.add(
          "platform-service",
          up,
          new UpgradeRequested(
              up,
              platform,
              null,
              new ReleaseRef("dataos", "3.0.0"),
              "alice@example.com",
              "the yearly release",
              null));
      b.add("planner", up, new PlanCreated(b.plan(), "alice@example.com", "the yearly release"));
      b.add("executor", up, new UpgradeStarted(up, platform, PlanMode.UPGRADE, null, 10, 100));
      List<StepOutcome> history = new ArrayList<>();
      String failedGate = null;
      List<Measurement> lastMeasurements = List.of();
      for (int w = 0; w < WAVES; w++) {
        Instant waveStart = b.now();
        for (int c = 0; c < PER_WAVE; c++) {
          String step = "s-" + w + "-" + c;
          String component = component(w, c);
          b.setImage(up, step, w, component, "1.0.0", "2.0.0");
          history.add(
              new StepOutcome(
                  step, component, StepAction.SET_IMAGE, "1.0.0", "2.0.0", List.of(), null));
        }
        String gateId = "w" + w + "-error-rate";
        b.add(
            "executor",
            up,
            new GateRequested(
                up, platform, gateId, w, gate("error-rate"), GatePurpose.VERIFY, waveStart));
        boolean last = w == WAVES - 1;
        int ofGate = measured / WAVES + (w < measured % WAVES ? 1 : 0);
        List<Measurement> measurements = new ArrayList<>();
        for (int m = 0; m < ofGate; m++) {
          boolean fails = last && m >= ofGate - 2;
          Measurement measurement =
              new Measurement(
                  m,
                  fails ? MeasurementPhase.FAILED : MeasurementPhase.SUCCESSFUL,
                  fails ? "0.042" : "0.001",
                  fails ? "result < 0.01 is false" : null,
                  b.now());
          measurements.add(measurement);
          b.add(
              "validator",
              up,
              new GateMeasured(up, gateId, "error-rate", "prometheus", measurement));
        }
        lastMeasurements =
            measurements.subList(Math.max(0, measurements.size() - 10), measurements.size());
        if (last) {
          failedGate = gateId;
          b.add(
              "validator",
              up,
              new GateFailed(
                  up,
                  gateId,
                  "error-rate",
                  "prometheus",
                  "failureLimit 1 exceeded: error rate 0.042",
                  lastMeasurements));
        } else {
          b.add(
              "validator",
              up,
              new GatePassed(up, gateId, "error-rate", "prometheus", lastMeasurements, null));
        }
      }
      EventEnvelope gateFailed = b.previous;
      b.add(
          "executor",
          up,
          new UpgradeFailed(
              up, platform, "gate error-rate failed", null, failedGate, false, history));
      for (String team : List.of("sre", "data-platform")) {
        b.add(
            "notifier",
            up,
            new NotificationDelivered(
                gateFailed.id(), up, team, new ChannelRef("slack", "#" + team), 1));
        b.add(
            "notifier",
            up,
            new NotificationDelivered(gateFailed.id(), up, team, new ChannelRef("feed", team), 1));
      }
      String rb = b.rollbackId;
      b.add(
          "planner",
          rb,
          new PlanCreated(b.rollbackPlan(), "lockstep-planner", "automatic rollback of " + up));
      b.add("executor", rb, new UpgradeStarted(rb, platform, PlanMode.ROLLBACK, up, 10, 100));
      List<VersionChange> restored = new ArrayList<>();
      for (int w = WAVES - 1; w >= 0; w--) {
        for (int c = 0; c < PER_WAVE; c++) {
          String step = "r-" + w + "-" + c;
          String component = component(w, c);
          b.setImage(rb, step, w, component, "2.0.0", "1.0.0");
          restored.add(new VersionChange(component, "layer-" + w, "2.0.0", "1.0.0"));
        }
      }
      b.add("executor", rb, new RollbackCompleted(rb, up, platform, restored));
      return new BenchUpgrade(up, List.copyOf(b.events));
    }

    private static String component(int wave, int index) {
      return "component-" + wave + "-" + index;
    }

    private static PlannedGate gate(String name) {
      return new PlannedGate(
          name,
          "prometheus",
          null,
          new Gate(
              name,
              null,
              null,
              new Gate.PrometheusCheck(
                  null, "sum(rate(http_errors_total[1m]))", "result < 0.01", null),
              null,
              null,
              "1s",
              2,
              1,
              null,
              null,
              null));
    }

    private static PlanStep step(String id, String component, String from, String to) {
      return new PlanStep(
          id,
          component,
          StepAction.SET_IMAGE,
          from,
          to,
          null,
          "registry.example.com/" + component + ":" + to,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null);
    }

    /** Events a second apart, each caused by the one before. */
    private static final class Builder {
      private final EventCatalog catalog = EventCatalog.standard();
      private final String platform;
      private final String upgradeId = "bench-pm-up";
      private final String rollbackId = "bench-pm-rb";
      private final List<EventEnvelope> events = new ArrayList<>();
      private EventEnvelope previous;

      Builder(String platform) {
        this.platform = platform;
      }

      Instant now() {
        return BASE.plusSeconds(events.size());
      }

      /** A set-image step of that upgrade, started and succeeded. */
      void setImage(
          String upgrade, String step, int wave, String component, String from, String to) {
        add(
            "executor",
            upgrade,
            new StepStarted(upgrade, step, wave, component, StepAction.SET_IMAGE, 1));
        add(
            "executor",
            upgrade,
            new StepSucceeded(
                upgrade, step, wave, component, StepAction.SET_IMAGE, from, to, List.of(), null));
      }

      void add(String service, String subject, EventPayload payload) {
        EventEnvelope event =
            EventEnvelope.create(
                catalog,
                service,
                platform,
                subject,
                payload,
                previous,
                Clock.fixed(now(), ZoneOffset.UTC));
        events.add(event);
        previous = event;
      }

      Plan plan() {
        List<VersionChange> versions = new ArrayList<>();
        List<Wave> waves = new ArrayList<>();
        for (int w = 0; w < WAVES; w++) {
          List<PlanStep> steps = new ArrayList<>();
          for (int c = 0; c < PER_WAVE; c++) {
            versions.add(new VersionChange(component(w, c), "layer-" + w, "1.0.0", "2.0.0"));
            steps.add(step("s-" + w + "-" + c, component(w, c), "1.0.0", "2.0.0"));
          }
          waves.add(new Wave(w, "layer-" + w, steps, List.of(gate("error-rate"))));
        }
        return new Plan(
            upgradeId,
            platform,
            PlanMode.UPGRADE,
            "2.0.0",
            "3.0.0",
            versions,
            waves,
            new Risk(57, List.of("100 components")),
            Duration.ofMinutes(1),
            null,
            null,
            "the yearly release");
      }

      Plan rollbackPlan() {
        List<VersionChange> versions = new ArrayList<>();
        List<Wave> waves = new ArrayList<>();
        for (int w = WAVES - 1; w >= 0; w--) {
          List<PlanStep> steps = new ArrayList<>();
          for (int c = 0; c < PER_WAVE; c++) {
            versions.add(new VersionChange(component(w, c), "layer-" + w, "2.0.0", "1.0.0"));
            steps.add(step("r-" + w + "-" + c, component(w, c), "2.0.0", "1.0.0"));
          }
          waves.add(new Wave(WAVES - 1 - w, "layer-" + w, steps, List.of()));
        }
        return new Plan(
            rollbackId,
            platform,
            PlanMode.ROLLBACK,
            "3.0.0",
            "2.0.0",
            versions,
            waves,
            new Risk(10, List.of()),
            Duration.ofMinutes(1),
            null,
            upgradeId,
            null);
      }
    }
  }
}
