package dev.lockstep.notifier;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Window;
import dev.lockstep.notifier.delivery.DeliveryLog;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Starts notifier contexts against the shared broker and PostgreSQL, the way they run. */
public final class TestingNotifier {
  /** The JWT secret of test contexts. */
  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

  private TestingNotifier() {}

  /** A fresh database for a test class; returns its JDBC URL. */
  public static String database(String name) {
    return Postgres.shared().createDatabase(name);
  }

  /** Writes a subscriptions file. */
  public static Path subscriptions(String yaml) throws IOException {
    Path file = Files.createTempFile("subscriptions", ".yml");
    Files.writeString(file, yaml);
    file.toFile().deleteOnExit();
    return file;
  }

  /** Starts a notifier context whose consumer has its partitions. */
  public static ApplicationContext start(
      String jdbcUrl, String group, Path subscriptions, Map<String, Object> extra)
      throws InterruptedException {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.postgres.url", jdbcUrl);
    properties.put("lockstep.postgres.username", Postgres.shared().username());
    properties.put("lockstep.postgres.password", Postgres.shared().password());
    properties.put("lockstep.notifier.group", group);
    properties.put("lockstep.notifier.subscriptions-file", subscriptions.toString());
    properties.put("lockstep.notifier.retry.initial", "20ms");
    properties.put("lockstep.notifier.retry.max", "200ms");
    properties.put("lockstep.notifier.retry.max-attempts", 4);
    properties.put("lockstep.notifier.http-timeout", "5s");
    properties.put("lockstep.notifier.advance.poll-interval", "1h");
    properties.put("lockstep.notifier.links-base-url", "http://lockstep.example.com");
    // The test receivers (JDK HTTP servers, GreenMail) listen here.
    properties.put("lockstep.notifier.allowed-hosts", List.of("127.0.0.1"));
    properties.putAll(extra);
    ApplicationContext context = LockstepApplication.builder("notifier", properties).start();
    EventConsumers consumers = context.getBean(EventConsumers.class);
    Poll.until(
        () -> consumers.running().stream().allMatch(EventConsumer::assigned),
        assigned -> assigned && !consumers.running().isEmpty(),
        Duration.ofSeconds(30));
    return context;
  }

  /** Publishes an event as another service would. */
  public static EventEnvelope publish(
      ApplicationContext context, String platform, String upgradeId, EventPayload payload) {
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(),
            "planner",
            platform,
            upgradeId,
            payload,
            null,
            context.getBean(Clock.class));
    context.getBean(EventPublisher.class).publishAndWait(event);
    return event;
  }

  /** A plan of an upgrade with a version table, release notes, risk, downtime and a window. */
  public static Plan plan(String platform, String upgradeId, Instant windowStart) {
    return new Plan(
        upgradeId,
        platform,
        PlanMode.UPGRADE,
        "2.3.0",
        "2.4.0",
        List.of(
            new VersionChange("postgres", "cloud-kernel", "15.3.0", "15.4.0"),
            new VersionChange("metis", "core-kernel", "2.3.1", "2.4.0")),
        List.of(),
        new Risk(42, List.of("stateful change: postgres")),
        Duration.ofMinutes(2),
        windowStart == null ? null : new Window(windowStart, windowStart.plus(Duration.ofHours(2))),
        null,
        "Faster metadata sync; fixes the catalogue timeout.");
  }

  /** A unique name: lower-case letters and digits. */
  public static String unique(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  }

  /**
   * The notifier's outcome events of a platform on its channels (feeds left out), as raw records
   * and decoded, waiting until there are {@code count}.
   */
  public static List<Outcome> outcomes(String platform, int count) throws InterruptedException {
    return outcomes(platform, count, type -> !DeliveryLog.FEED.equals(type));
  }

  /**
   * The notifier's {@code notification.delivered} events of a platform's feed entries, waiting
   * until there are {@code count}.
   */
  public static List<Outcome> feedOutcomes(String platform, int count) throws InterruptedException {
    return outcomes(platform, count, DeliveryLog.FEED::equals);
  }

  private static List<Outcome> outcomes(String platform, int count, Predicate<String> channelType)
      throws InterruptedException {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    props.put("group.id", unique("reader"));
    props.put("auto.offset.reset", "earliest");
    EventCodec codec = EventCodec.standard();
    List<Outcome> found = new ArrayList<>();
    // Keys as text: the codec checks that a record's key is its event's platform.
    try (KafkaConsumer<String, byte[]> reader =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      reader.subscribe(List.of(Topics.NOTIFICATIONS));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
          EventEnvelope event = codec.fromRecord(record);
          if (event.platform().equals(platform) && channelType.test(channelTypeOf(event))) {
            found.add(new Outcome(event, new String(record.value())));
          }
        }
      }
    }
    return found;
  }

  private static String channelTypeOf(EventEnvelope event) {
    if (event.data() instanceof NotificationDelivered delivered) {
      return delivered.channel().type();
    }
    return event.data() instanceof NotificationFailed failed ? failed.channel().type() : null;
  }

  /**
   * An outcome event.
   *
   * @param event decoded
   * @param raw its data as sent
   */
  public record Outcome(EventEnvelope event, String raw) {}
}
