package dev.lockstep.bench;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Events per second into PostgreSQL through the rca-recorder (Kafka consumer, decoding with the
 * schema check, each batch copied in binary format straight into the event table, through a staging
 * table and one {@code INSERT ... ON CONFLICT DO NOTHING} only when an event of it is stored
 * already, projection refresh, offset commit; decoding, appending and the refresh run on three
 * threads, one batch each), next to a raw {@code COPY} of the very same rows into the same database
 * in the same run; printed with their ratio. Not a test: it asserts nothing.
 *
 * <p>Arguments: the number of events measured (default 20000), and how many events the recorder
 * stores first, unmeasured (default 0: the measurement then starts at the recorder's first batch,
 * with its code not yet compiled by the JIT).
 */
public final class RecorderIngestBenchmark {
  private static final String COLUMNS =
      "event_id, topic, kafka_partition, kafka_offset, type, schema_version, source, platform,"
          + " subject, upgrade_id, rollback_of, time, trace_id, traceparent, causation_id, data";

  private RecorderIngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    int total = warmup + count;
    try (KafkaBroker broker = KafkaBroker.start();
        Postgres postgres = Postgres.start()) {
      publish(broker, total);
      String database = "recorder_bench";
      postgres.createDatabase(database);

      Map<String, Object> properties =
          RecorderProperties.of(broker.bootstrapServers(), postgres, database);
      properties.put("lockstep.recorder.ingest.group", "bench-" + System.nanoTime());
      properties.put("lockstep.recorder.ingest.rebuild-when-empty", false);

      long recorderNanos;
      long measured;
      try (ApplicationContext context =
              LockstepApplication.builder("rca-recorder", properties).start();
          Connection watch = DriverManager.getConnection(postgres.jdbcUrl(database))) {
        // Steady state: from the first batch stored after the warm-up to the last event, without
        // the start-up. One connection looks every 20 ms: a connection per look, or a count every
        // 5 ms, would take much of the machine from what it measures.
        long first;
        while ((first = stored(watch)) <= Math.max(0, warmup - 1)) {
          Thread.sleep(20);
        }
        long start = System.nanoTime();
        while (stored(watch) < total) {
          Thread.sleep(20);
        }
        recorderNanos = System.nanoTime() - start;
        measured = total - first;
      }

      long copyNanos = copy(postgres, database, warmup);
      double recorderRate = measured / (recorderNanos / 1e9);
      double copyRate = count / (copyNanos / 1e9);
      System.out.printf(
          "events: %d after %d of warm-up (recorder measured on the %d after its first batch)%n"
              + "recorder (Kafka -> COPY + projections):        %.0f events/s (%.2f s)%n"
              + "raw COPY of the same rows:                      %.0f events/s (%.2f s)%n"
              + "recorder / COPY: %.3f%n",
          count,
          warmup,
          measured,
          recorderRate,
          recorderNanos / 1e9,
          copyRate,
          copyNanos / 1e9,
          recorderRate / copyRate);
    }
  }

  /** Publishes step.started events: 100 per upgrade, 1000 per platform. */
  private static void publish(KafkaBroker broker, int count) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", broker.bootstrapServers());
    config.put("acks", "all");
    config.put("linger.ms", 5);
    EventCatalog catalog = EventCatalog.standard();
    EventCodec codec = new EventCodec(catalog);
    // Recent times: the broker deletes records older than its retention (seven days) at once.
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusMillis(count);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        String upgrade = "bench-up-" + (i / 100);
        String platform = "bench-platform-" + (i / 1000);
        StepStarted step =
            new StepStarted(
                upgrade, "s-0-" + (i % 100), 0, "component-" + (i % 7), StepAction.SET_IMAGE, 1);
        producer.send(
            codec.toRecord(
                EventEnvelope.create(
                    catalog,
                    "executor",
                    platform,
                    upgrade,
                    step,
                    null,
                    Clock.fixed(base.plusMillis(i), ZoneOffset.UTC))));
      }
      producer.flush();
    }
  }

  private static long stored(Connection connection) throws Exception {
    try (Statement statement = connection.createStatement();
        var result = statement.executeQuery("SELECT count(*) FROM events")) {
      result.next();
      return result.getLong(1);
    }
  }

  /**
   * Copies the rows stored after the warm-up out, then times a raw COPY of them into a table of the
   * same shape.
   */
  private static long copy(Postgres postgres, String database, int warmup) throws Exception {
    try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(database))) {
      CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
      ByteArrayOutputStream rows = new ByteArrayOutputStream();
      copy.copyOut(
          "COPY (SELECT " + COLUMNS + " FROM events ORDER BY seq OFFSET " + warmup + ") TO STDOUT",
          rows);
      try (Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE events_copy (LIKE events INCLUDING ALL)");
      }
      long start = System.nanoTime();
      copy.copyIn(
          "COPY events_copy (" + COLUMNS + ") FROM STDIN",
          new ByteArrayInputStream(rows.toByteArray()));
      return System.nanoTime() - start;
    }
  }
}
