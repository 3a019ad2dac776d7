package dev.lockstep.recorder;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.testkit.kafka.KafkaBroker;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Event topics of a test's own (one per Lockstep event topic, named with a prefix) on the shared
 * broker, filled with many upgrades: a log large enough that a rebuild from it takes a while, and
 * that no other test writes to.
 */
final class TestingTopics {
  static final int PARTITIONS = 3;

  final List<String> topics;
  final Set<String> eventIds = new LinkedHashSet<>();
  final List<TestingScenario> scenarios = new ArrayList<>();
  private final String prefix;

  private TestingTopics(String prefix) {
    this.prefix = prefix;
    this.topics = Topics.EVENT_TOPICS.stream().map(topic -> prefix + "." + topic).toList();
  }

  /** Creates the topics and publishes the events of that many upgrades (24 events each). */
  static TestingTopics filled(String name, int upgrades) {
    TestingTopics log = empty(name);
    Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
    List<TestingScenario> scenarios = new ArrayList<>();
    for (int i = 0; i < upgrades; i++) {
      scenarios.add(TestingScenario.failedGateRolledBack(log.platform(i), start.plusSeconds(i)));
    }
    log.publishAll(scenarios);
    return log;
  }

  /** Creates the topics, with nothing in them yet. */
  static TestingTopics empty(String name) {
    TestingTopics log =
        new TestingTopics(name + "-" + UUID.randomUUID().toString().substring(0, 8));
    KafkaBroker.shared().createTopics(log.topics, PARTITIONS);
    return log;
  }

  /** The name of the n-th platform of these topics. */
  String platform(int n) {
    return prefix + "-p" + n;
  }

  /** Publishes the events of the scenarios and waits until the broker has every one. */
  synchronized void publishAll(List<TestingScenario> batch) {
    EventCodec codec = EventCodec.standard();
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("acks", "all");
    config.put("linger.ms", 20);
    // One request at a time: a batch retried after the new topics' first "not leader" answers
    // must not overtake the next one (which the idempotent producer refuses as out of order).
    config.put("max.in.flight.requests.per.connection", 1);
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (TestingScenario scenario : batch) {
        scenarios.add(scenario);
        for (EventEnvelope event : scenario.events()) {
          ProducerRecord<String, byte[]> record = codec.toRecord(event);
          sent.add(
              producer.send(
                  new ProducerRecord<>(
                      prefix + "." + record.topic(),
                      null,
                      record.key(),
                      record.value(),
                      record.headers())));
          eventIds.add(event.id());
        }
      }
      producer.flush();
      for (Future<RecordMetadata> record : sent) {
        record.get();
      }
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("could not publish to " + topics, e);
    }
  }

  /** Publishes one more event to the topics and waits until the broker has it. */
  void publish(EventEnvelope event) throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      ProducerRecord<String, byte[]> record = EventCodec.standard().toRecord(event);
      producer
          .send(
              new ProducerRecord<>(
                  prefix + "." + record.topic(),
                  null,
                  record.key(),
                  record.value(),
                  record.headers()))
          .get();
    }
  }

  /** The topics as the recorder's {@code lockstep.recorder.ingest.topics} property. */
  String property() {
    return String.join(",", topics);
  }

  /** A SQL {@code LIKE} pattern for the topics. */
  String like() {
    return prefix + ".%";
  }
}
