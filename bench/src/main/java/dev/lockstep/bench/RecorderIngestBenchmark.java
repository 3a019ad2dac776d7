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
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Events per second into PostgreSQL through the rca-recorder (Kafka consumer, decoding with the
 * schema check, batched {@code INSERT ... ON CONFLICT DO NOTHING}, projection refresh, offset
 * commit), next to a raw {@code COPY} of the very same rows into the same database in the same run;
 * printed with their ratio. Not a test: it asserts nothing.
 *
 * <p>Arguments: the number of events (default 20000).
 */
public final class RecorderIngestBenchmark {
  private static final String SECRET = "bench-secret-that-is-long-enough-for-hs256-signing";
  private static final String COLUMNS =
      "event_id, topic, kafka_partition, kafka_offset, type, schema_version, source, platform,"
          + " subject, upgrade_id, rollback_of, time, trace_id, traceparent, causation_id, data";

  private RecorderIngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    try (KafkaBroker broker = KafkaBroker.start();
        Postgres postgres = Postgres.start()) {
      publish(broker, count);
      String database = "recorder_bench";
      postgres.createDatabase(database);

      Map<String, Object> properties = new HashMap<>();
      properties.put("lockstep.kafka.bootstrap-servers", broker.bootstrapServers());
      properties.put("lockstep.security.jwt-secret", SECRET);
      properties.put("micronaut.server.port", -1);
      properties.put("lockstep.recorder.database.host", postgres.host());
      properties.put("lockstep.recorder.database.port", postgres.port());
      properties.put("lockstep.recorder.database.name", database);
      properties.put("lockstep.recorder.database.username", postgres.username());
      properties.put("lockstep.recorder.database.password", postgres.password());
      properties.put("lockstep.recorder.ingest.group", "bench-" + System.nanoTime());
      properties.put("lockstep.recorder.ingest.rebuild-when-empty", false);

      long recorderNanos;
      long measured;
      try (ApplicationContext context =
          LockstepApplication.builder("rca-recorder", properties).start()) {
        // Steady state: from the first stored batch to the last event, without the start-up.
        long first;
        while ((first = stored(postgres, database)) == 0) {
          Thread.sleep(5);
        }
        long start = System.nanoTime();
        while (stored(postgres, database) < count) {
          Thread.sleep(5);
        }
        recorderNanos = System.nanoTime() - start;
        measured = count - first;
      }

      long copyNanos = copy(postgres, database);
      double recorderRate = measured / (recorderNanos / 1e9);
      double copyRate = count / (copyNanos / 1e9);
      System.out.printf(
          "events: %d (recorder measured on the %d after its first batch)%n"
              + "recorder (Kafka -> batched INSERT + projections): %.0f events/s (%.2f s)%n"
              + "raw COPY of the same rows:                         %.0f events/s (%.2f s)%n"
              + "recorder / COPY: %.3f%n",
          count,
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
    Instant base = Instant.parse("2026-11-22T00:00:00Z");
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

  private static long stored(Postgres postgres, String database) throws Exception {
    try (Connection connection = java.sql.DriverManager.getConnection(postgres.jdbcUrl(database));
        Statement statement = connection.createStatement();
        var result = statement.executeQuery("SELECT count(*) FROM events")) {
      result.next();
      return result.getLong(1);
    }
  }

  /** Copies the stored rows out, then times a raw COPY of them into a table of the same shape. */
  private static long copy(Postgres postgres, String database) throws Exception {
    try (Connection connection = java.sql.DriverManager.getConnection(postgres.jdbcUrl(database))) {
      CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
      ByteArrayOutputStream rows = new ByteArrayOutputStream();
      copy.copyOut("COPY events (" + COLUMNS + ") TO STDOUT", rows);
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
