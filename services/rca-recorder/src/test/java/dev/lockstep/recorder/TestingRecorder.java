package dev.lockstep.recorder;

import dev.lockstep.recorder.ingest.Ingest;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Starts the recorder against the shared broker and a database of the shared PostgreSQL. */
final class TestingRecorder {
  static final String SECRET = "test-secret-that-is-long-enough-for-hs256-signing";
  static final Duration WAIT = Duration.ofSeconds(60);

  private TestingRecorder() {}

  /** A recorder context on the given database (created empty first when fresh is true). */
  static ApplicationContext start(String database, boolean fresh, String group) {
    return start(database, fresh, group, Map.of());
  }

  /** The same, with more (or other) properties. */
  static ApplicationContext start(
      String database, boolean fresh, String group, Map<String, Object> more) {
    if (fresh) {
      Postgres.shared().createDatabase(database);
    }
    Map<String, Object> properties = properties(database, group);
    properties.putAll(more);
    return LockstepApplication.builder("rca-recorder", properties).start();
  }

  /** The properties of a recorder on a database of the shared PostgreSQL and the shared broker. */
  static Map<String, Object> properties(String database, String group) {
    Postgres postgres = Postgres.shared();
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.recorder.database.host", postgres.host());
    properties.put("lockstep.recorder.database.port", postgres.port());
    properties.put("lockstep.recorder.database.name", database);
    properties.put("lockstep.recorder.database.username", postgres.username());
    properties.put("lockstep.recorder.database.password", postgres.password());
    properties.put("lockstep.recorder.ingest.group", group);
    return properties;
  }

  /**
   * Waits until the recorder consumes live: its recovery from Kafka (which runs after the context
   * started) has finished and the group gave it its partitions.
   */
  static Ingest awaitConsuming(ApplicationContext context) throws InterruptedException {
    Ingest ingest = context.getBean(Ingest.class);
    await(
        "the recorder has recovered and consumes",
        () -> ingest.consumer() != null && ingest.consumer().assigned(),
        () -> "recovery " + ingest.recovery().phase() + " " + ingest.recovery().lastFailure());
    return ingest;
  }

  /** Polls until the condition holds, failing after {@link #WAIT}. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    await(what, condition, () -> "");
  }

  /** Polls until the condition holds; the failure says what the state was. */
  static void await(String what, BooleanSupplier condition, Supplier<String> state)
      throws InterruptedException {
    Eventually.until(
        WAIT,
        Duration.ofMillis(100),
        condition,
        () -> "timed out waiting until " + what + "; " + state.get());
  }
}
