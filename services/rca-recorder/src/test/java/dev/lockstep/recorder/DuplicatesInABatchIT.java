package dev.lockstep.recorder;

import static dev.lockstep.recorder.TestingRecorder.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * One batch that holds an event already stored by an earlier batch, an event twice, and new events:
 * every event is stored once, both duplicates are counted, and the projections take the new events
 * (equal to a fold of the table).
 *
 * <p>The events go to a topic of this test only, published while no recorder runs, so that the
 * recorder's first poll holds them all.
 */
class DuplicatesInABatchIT {
  private static final String DATABASE = "recorder_duplicates_it";

  @Test
  void aBatchWithAStoredEventAndAnEventTwiceStoresEachOnceAndFoldsTheNewOnes() throws Exception {
    String group = "recorder-duplicates-" + UUID.randomUUID();
    String topic = "lockstep.duplicates-it-" + UUID.randomUUID();
    KafkaBroker.shared().createTopics(List.of(topic), 1);
    Postgres.shared().createDatabase(DATABASE);
    String platform = "dup-" + UUID.randomUUID();
    TestingScenario scenario =
        TestingScenario.failedGateRolledBack(
            platform, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60));
    List<EventEnvelope> all = scenario.events();
    int half = all.size() / 2;
    EventCodec codec = new EventCodec(EventCatalog.standard());

    publish(codec, topic, all.subList(0, half));
    try (ApplicationContext first = start(group, topic)) {
      EventStore store = first.getBean(EventStore.class);
      await(
          "the first half is stored and its offsets committed",
          () -> store.countOf(platform) == half && committed(group, topic) == half);
    }
    List<EventEnvelope> batch = new ArrayList<>();
    batch.add(all.get(1));
    batch.add(all.get(half));
    batch.add(all.get(half));
    batch.addAll(all.subList(half + 1, all.size()));
    publish(codec, topic, batch);

    try (ApplicationContext second = start(group, topic)) {
      EventStore store = second.getBean(EventStore.class);
      ProjectionStore projections = second.getBean(ProjectionStore.class);
      await(
          "the second half is stored and folded",
          () ->
              store.countOf(platform) == all.size()
                  && projections
                      .find(scenario.upgradeId)
                      .map(v -> v.status().wire().equals("rolled-back"))
                      .orElse(false),
          () -> "stored " + store.countOf(platform) + " of " + all.size());

      assertThat(store.eventIdsOf(platform))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(all.stream().map(EventEnvelope::id).toList());
      assertThat(duplicates(second.getBean(MeterRegistry.class), group)).isEqualTo(2.0);
      Projector projector = second.getBean(Projector.class);
      for (String upgradeId : List.of(scenario.upgradeId, scenario.rollbackId)) {
        assertThat(projections.find(upgradeId)).isEqualTo(projector.fold(upgradeId));
      }
    }
  }

  private static ApplicationContext start(String group, String topic) {
    Map<String, Object> properties = TestingRecorder.properties(DATABASE, group);
    properties.put("lockstep.recorder.ingest.topics", List.of(topic));
    properties.put("lockstep.recorder.ingest.rebuild-when-empty", false);
    return LockstepApplication.builder("rca-recorder", properties).start();
  }

  /** The group's committed offset on the test topic's one partition; -1: none. */
  private static long committed(String group, String topic) {
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()))) {
      OffsetAndMetadata offset =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS)
              .get(new TopicPartition(topic, 0));
      return offset == null ? -1 : offset.offset();
    } catch (ExecutionException | TimeoutException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static double duplicates(MeterRegistry meters, String group) {
    return meters.find("lockstep.events.duplicates").tag("group", group).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** Sends the events, as their producers would, to the test's topic, in one producer batch. */
  private static void publish(EventCodec codec, String topic, List<EventEnvelope> events)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    config.put("linger.ms", 200);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      for (EventEnvelope event : events) {
        ProducerRecord<String, byte[]> record = codec.toRecord(event);
        producer.send(
            new ProducerRecord<>(
                topic, 0, record.timestamp(), record.key(), record.value(), record.headers()));
      }
      producer.flush();
    }
  }
}
