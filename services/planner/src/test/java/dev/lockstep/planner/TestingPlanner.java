package dev.lockstep.planner;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.planner.platforms.PlannerQueries;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Starts the planner against the shared broker and reads what it wrote. */
public final class TestingPlanner {
  public static final String SECRET = "planner-test-secret-that-is-long-enough-for-hs256";

  private TestingPlanner() {}

  /** A planner context with its own consumer group, configured for the given platforms. */
  public static ApplicationContext start(String group, Map<String, List<String>> platforms) {
    return start(group, platforms, Map.of());
  }

  /** The same, with more configuration ({@code lockstep.planner.charts-dir}, say). */
  public static ApplicationContext start(
      String group, Map<String, List<String>> platforms, Map<String, Object> more) {
    Map<String, Object> properties = new HashMap<>(more);
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.planner.group", group);
    platforms.forEach((p, ns) -> properties.put("lockstep.platforms." + p + ".namespaces", ns));
    return LockstepApplication.builder("planner", properties).start();
  }

  /**
   * Publishes, as the executor would, that nothing runs yet on each platform: the planner plans a
   * platform's upgrades only once it has observed what runs there.
   */
  public static void observeNothingRunning(ApplicationContext context, String... platforms) {
    List<EventEnvelope> observations = new ArrayList<>();
    for (String platform : platforms) {
      observations.add(
          EventEnvelope.create(
              EventCatalog.standard(),
              "test",
              platform,
              null,
              TestingReleases.nothingRunning(platform, Instant.now()),
              null,
              Clock.systemUTC()));
    }
    context.getBean(EventPublisher.class).publishAndWait(observations);
    // answers come from the planner's read model, which folds the observations in a moment
    PlannerQueries queries = context.getBean(PlannerQueries.class);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    for (String platform : platforms) {
      while (queries.observedInventory(platform).isEmpty()) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("the planner never observed the inventory of " + platform);
        }
        pause();
      }
    }
  }

  /** A short pause between two polls of a condition that has a deadline. */
  public static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }

  /** A unique name for a test's platform or group. */
  public static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Every record of a topic whose key is the platform, decoded where possible, until a deadline.
   */
  public static List<ConsumerRecord<String, byte[]>> records(
      String topic,
      String platform,
      Predicate<List<ConsumerRecord<String, byte[]>>> done,
      Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (platform.equals(r.key())) {
            found.add(r);
          }
        }
        if (done.test(found)) {
          return found;
        }
      }
    }
    return found;
  }

  /** The events the planner wrote for a platform, once {@code done} holds (or the deadline). */
  public static List<EventEnvelope> plans(
      String platform, Predicate<List<EventEnvelope>> done, Duration timeout) {
    List<EventEnvelope> events = new ArrayList<>();
    records(
        dev.lockstep.events.Topics.PLANS,
        platform,
        rs -> {
          events.clear();
          rs.forEach(r -> events.add(EventCodec.standard().fromRecord(r)));
          return done.test(events);
        },
        timeout);
    return events;
  }

  /** The first event of a type about an upgrade, if present. */
  public static Optional<EventEnvelope> find(
      List<EventEnvelope> events, String type, String upgradeId) {
    return events.stream()
        .filter(e -> e.type().equals(type) && upgradeId.equals(e.subject()))
        .findFirst();
  }
}
