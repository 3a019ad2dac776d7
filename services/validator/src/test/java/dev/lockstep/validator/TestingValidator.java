package dev.lockstep.validator;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.manifest.Gate;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Starts validators against the shared broker, plays the executor (publishes {@code
 * gate.requested}) and reads what the validator wrote to {@code lockstep.gates}.
 */
public final class TestingValidator {
  /** The signing secret of test contexts. */
  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

  /** How long a test waits for a verdict at most. */
  public static final Duration WAIT = Duration.ofSeconds(60);

  private static final EventCodec CODEC = EventCodec.standard();

  private TestingValidator() {}

  /** A validator context with its own consumer group. */
  public static ApplicationContext start(Map<String, Object> extra) {
    return start("validator-it-" + UUID.randomUUID(), extra);
  }

  /** A validator context in the given consumer group. */
  public static ApplicationContext start(String group, Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.validator.group", group);
    properties.putAll(extra);
    return LockstepApplication.builder("validator", properties).start();
  }

  /**
   * Configures, in running validators, what a platform's gates may reach, as an operator writes
   * {@code lockstep.platforms.<platform>.gates.<key>} (the validator reads it at each measurement).
   */
  public static void reach(String platform, Map<String, Object> gates, ApplicationContext... in) {
    Map<String, Object> properties = new HashMap<>();
    gates.forEach(
        (key, value) -> properties.put("lockstep.platforms." + platform + ".gates." + key, value));
    for (ApplicationContext context : in) {
      context
          .getEnvironment()
          .addPropertySource(PropertySource.of("reach-" + platform, properties));
    }
  }

  /** A gate with analysis settings. */
  public static Gate gate(
      String name,
      Gate.KubernetesCheck kubernetes,
      Gate.HttpCheck http,
      Gate.PrometheusCheck prometheus,
      Gate.SqlCheck sql,
      String interval,
      Integer count,
      Integer failureLimit,
      Integer consecutiveSuccessLimit,
      Integer consecutiveErrorLimit,
      String timeout) {
    return new Gate(
        name,
        kubernetes,
        http,
        prometheus,
        sql,
        null,
        interval,
        count,
        failureLimit,
        consecutiveSuccessLimit,
        consecutiveErrorLimit,
        timeout);
  }

  /** Publishes a gate request as the executor would; returns the event. */
  public static EventEnvelope request(
      String platform, String upgradeId, Gate gate, GatePurpose purpose, Instant changeStartedAt) {
    return request(platform, upgradeId, "w0-" + gate.name(), gate, purpose, changeStartedAt, null);
  }

  /**
   * Publishes a gate request as the executor would, with its id in the upgrade and, for a
   * rollback's gate, the upgrade whose baseline it compares with; returns the event.
   */
  public static EventEnvelope request(
      String platform,
      String upgradeId,
      String gateId,
      Gate gate,
      GatePurpose purpose,
      Instant changeStartedAt,
      String baselineOf) {
    GateRequested payload =
        new GateRequested(
            upgradeId,
            platform,
            gateId,
            0,
            new PlannedGate(gate.name(), gate.kind(), null, gate),
            purpose,
            changeStartedAt,
            baselineOf);
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(),
            "executor",
            platform,
            upgradeId,
            payload,
            null,
            Clock.systemUTC());
    publish(event);
    return event;
  }

  /** Publishes an event (again, with the same id, when it was published before). */
  public static void publish(EventEnvelope event) {
    Properties config = new Properties();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(CODEC.toRecord(event)).get();
    } catch (Exception e) {
      throw new IllegalStateException("could not publish " + event.type(), e);
    }
  }

  /** Publishes with a running context's publisher. */
  public static void publish(ApplicationContext context, EventEnvelope event) {
    context.getBean(EventPublisher.class).publishAndWait(event);
  }

  /** Every event of a platform on the gates topic, in log order per partition. */
  public static List<EventEnvelope> gateEvents(String platform) {
    Properties config = new Properties();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("enable.auto.commit", "false");
    List<EventEnvelope> events = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> reader =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          reader.partitionsFor(Topics.GATES).stream()
              .map(p -> new TopicPartition(Topics.GATES, p.partition()))
              .toList();
      reader.assign(partitions);
      reader.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = reader.endOffsets(partitions);
      boolean done = false;
      while (!done) {
        for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
          if (platform.equals(record.key())) {
            events.add(CODEC.fromRecord(record));
          }
        }
        done = end.entrySet().stream().allMatch(e -> reader.position(e.getKey()) >= e.getValue());
      }
    }
    return events;
  }

  /** Polls the gates topic until an event of the platform matches, or fails after {@link #WAIT}. */
  public static List<EventEnvelope> awaitGateEvents(
      String platform, Predicate<List<EventEnvelope>> until) {
    return Eventually.value(
        () -> gateEvents(platform),
        until,
        WAIT,
        Duration.ofMillis(200),
        events ->
            "the gates topic did not reach the expected state for "
                + platform
                + " within "
                + WAIT
                + "; it holds "
                + events.stream().map(e -> e.type() + " " + e.data()).toList());
  }

  /** Waits for the verdict of the platform's (only) gate and returns it with all events. */
  public static Verdict awaitVerdict(String platform) {
    List<EventEnvelope> events =
        awaitGateEvents(platform, list -> list.stream().anyMatch(TestingValidator::isVerdict));
    EventEnvelope verdict = events.stream().filter(TestingValidator::isVerdict).findFirst().get();
    return new Verdict(verdict, events);
  }

  /** Whether an event is a gate verdict. */
  public static boolean isVerdict(EventEnvelope event) {
    return event.data() instanceof GatePassed || event.data() instanceof GateFailed;
  }

  /** The measurements published one by one. */
  public static List<GateMeasured> measured(List<EventEnvelope> events) {
    return events.stream()
        .filter(e -> e.data() instanceof GateMeasured)
        .map(e -> (GateMeasured) e.data())
        .toList();
  }

  /** A fresh platform id. */
  public static String platform(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Sleeps between polls (never as an assertion). */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A verdict and every event of its platform.
   *
   * @param event the verdict
   * @param all every gate event of the platform
   */
  public record Verdict(EventEnvelope event, List<EventEnvelope> all) {
    /** Whether the gate passed. */
    public boolean passed() {
      return event.data() instanceof GatePassed;
    }

    /** The passed payload. */
    public GatePassed asPassed() {
      return (GatePassed) event.data();
    }

    /** The failed payload. */
    public GateFailed asFailed() {
      return (GateFailed) event.data();
    }

    /** The number of verdicts on the platform. */
    public long verdictCount() {
      return all.stream().filter(TestingValidator::isVerdict).count();
    }
  }
}
