package dev.lockstep.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.DeadLetters;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pipelined batch path through a real broker: a poll is prepared, written and followed up on
 * three threads, the next poll written while the previous one is followed up; a poll's offsets are
 * committed only once both returned; a write that fails for a while is read again (with the poll
 * behind it) until it is stored, each event once and in order; a refused event of a batch is found
 * by splitting it and dead-lettered while every other event is stored.
 */
class PipelinedBatchIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static ApplicationContext context;
  private static EventPublisher publisher;
  private static EventConsumers consumers;

  @BeforeAll
  static void start() {
    context = TestingServices.start("pipelined-it", Map.of());
    publisher = context.getBean(EventPublisher.class);
    consumers = context.getBean(EventConsumers.class);
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
  }

  @Test
  void theNextPollIsWrittenWhileTheFirstFollowsAndOffsetsAreCommittedOnlyOnceBothReturned()
      throws Exception {
    String group = "pipelined-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    List<EventEnvelope> sent =
        List.of(cancelled(platform, "a"), cancelled(platform, "b"), cancelled(platform, "c"));
    CountDownLatch following = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> written = new CopyOnWriteArrayList<>();
    List<String> done = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    Map<String, ConsumedEvent> positions = new ConcurrentHashMap<>();
    EventConsumer consumer =
        consumers.startPipelined(
            ConsumerSpec.of(group, Topics.PLANS).withMaxPollRecords(1),
            events -> {
              List<String> mine = mine(events, platform);
              events.forEach(e -> positions.put(e.event().id(), e));
              String preparedOn = Thread.currentThread().getName();
              return () -> {
                written.addAll(mine);
                String writtenOn = Thread.currentThread().getName();
                return () -> {
                  if (mine.contains(sent.get(0).id())) {
                    threads.addAll(
                        List.of(preparedOn, writtenOn, Thread.currentThread().getName()));
                    following.countDown();
                    release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                  }
                  done.addAll(mine);
                };
              };
            });
    try {
      awaitTrue("the consumer has its partitions", consumer::assigned);
      publisher.publishAndWait(sent);
      assertThat(following.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      awaitTrue(
          "the next poll is written while the first one's follow-up runs",
          () -> written.contains(sent.get(1).id()));
      ConsumedEvent first = positions.get(sent.get(0).id());
      TopicPartition partition = new TopicPartition(first.topic(), first.partition());
      assertThat(committed(group, partition))
          .as("nothing of the poll still following is committed")
          .isLessThanOrEqualTo(first.offset());
      assertThat(done).isEmpty();
      assertThat(threads)
          .as("prepared, written and followed on three threads")
          .doesNotHaveDuplicates();

      release.countDown();
      awaitTrue("every event is done", () -> done.size() == sent.size());
      assertThat(done).containsExactlyElementsOf(ids(sent));
      assertThat(written).containsExactlyElementsOf(ids(sent));
      long last = positions.get(sent.get(2).id()).offset();
      awaitTrue("the last poll is committed", () -> committed(group, partition) == last + 1);
    } finally {
      release.countDown();
      consumer.close();
    }
  }

  @Test
  void aWriteThatFailsForAWhileIsReadAgainWithThePollBehindItUntilEachEventIsStoredOnce()
      throws Exception {
    String group = "pipelined-transient-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    AtomicInteger failuresLeft = new AtomicInteger(3);
    List<String> stored = new CopyOnWriteArrayList<>();
    EventConsumer consumer =
        consumers.startPipelined(
            ConsumerSpec.of(group, Topics.PLANS)
                .withMaxPollRecords(1)
                .withRetryBackoff(Duration.ofMillis(20), Duration.ofMillis(100)),
            events -> {
              List<String> mine = mine(events, platform);
              return () -> {
                if (!mine.isEmpty() && failuresLeft.getAndDecrement() > 0) {
                  throw new SQLException("connection refused", "08001");
                }
                stored.addAll(mine);
                return null;
              };
            });
    try {
      awaitTrue("the consumer has its partitions", consumer::assigned);
      List<EventEnvelope> sent =
          List.of(cancelled(platform, "a"), cancelled(platform, "b"), cancelled(platform, "c"));
      publisher.publishAndWait(sent);

      awaitTrue("every event is stored", () -> stored.size() >= sent.size());
      assertThat(stored).as("each once, in order").containsExactlyElementsOf(ids(sent));
      assertThat(failuresLeft.get()).isNegative();
      assertThat(TestingDeadLetters.soFar(group)).isEmpty();
    } finally {
      consumer.close();
    }
  }

  @Test
  void aBatchWithOneEventRefusedForItsDataStoresEveryOtherAndDeadLettersThatOne() throws Exception {
    String group = "pipelined-refused-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    List<EventEnvelope> sent = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      sent.add(cancelled(platform, "upgrade-" + i));
    }
    EventEnvelope bad = sent.get(5);
    publisher.publishAndWait(sent);
    List<String> stored = new CopyOnWriteArrayList<>();
    EventConsumer consumer =
        consumers.startPipelined(
            ConsumerSpec.of(group, Topics.PLANS).withMaxPollRecords(10_000),
            events -> {
              List<String> mine = mine(events, platform);
              return () -> {
                if (mine.contains(bad.id())) {
                  throw new IllegalStateException(
                      "append failed",
                      new SQLException(
                          "invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));
                }
                stored.addAll(mine);
                return null;
              };
            });
    try {
      awaitTrue("every other event is stored", () -> stored.size() == sent.size() - 1);
      assertThat(stored)
          .as("each stored once, in order")
          .containsExactlyElementsOf(ids(sent.stream().filter(e -> e != bad).toList()));
      awaitTrue(
          "the refused event is dead-lettered", () -> TestingDeadLetters.soFar(group).size() == 1);
      ConsumerRecord<byte[], byte[]> dead = TestingDeadLetters.soFar(group).get(0);
      assertThat(TestingDeadLetters.header(dead, "ce_id")).isEqualTo(bad.id());
      assertThat(TestingDeadLetters.header(dead, DeadLetters.REASON_CODE))
          .isEqualTo("handler-refused");
      assertThat(TestingDeadLetters.header(dead, DeadLetters.REASON)).contains("SQLSTATE 22021");

      EventEnvelope later = publisher.publishAndWait(cancelled(platform, "later")).event();
      awaitTrue("the consumer carries on", () -> stored.contains(later.id()));
    } finally {
      consumer.close();
    }
  }

  private static List<String> mine(List<ConsumedEvent> events, String platform) {
    return events.stream()
        .map(ConsumedEvent::event)
        .filter(e -> e.platform().equals(platform))
        .map(EventEnvelope::id)
        .toList();
  }

  private static List<String> ids(List<EventEnvelope> events) {
    return events.stream().map(EventEnvelope::id).toList();
  }

  /** The group's committed offset of the partition; -1 when it has none. */
  private static long committed(String group, TopicPartition partition) {
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()))) {
      OffsetAndMetadata offset =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(WAIT.toSeconds(), TimeUnit.SECONDS)
              .get(partition);
      return offset == null ? -1 : offset.offset();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static EventEnvelope cancelled(String platform, String upgradeId) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "pipelined-it",
        platform,
        upgradeId,
        new UpgradeCancelled(upgradeId, platform, "alice", null, false),
        null,
        Clock.fixed(Instant.now().truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC));
  }

  private static void awaitTrue(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }
}
