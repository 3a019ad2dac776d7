package dev.lockstep.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.ConsumersHealthIndicator;
import dev.lockstep.runtime.kafka.DeadLetters;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.kafka.EventHandler;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.kafka.PoisonEventException;
import dev.lockstep.runtime.tracing.EventTracing;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.runtime.server.EmbeddedServer;
import io.opentelemetry.api.trace.Span;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Events through a real broker: every envelope attribute and the trace survive the trip; what
 * cannot be read, or is refused for its data, ends on the dead-letter topic with its reason while
 * the consumer carries on (a refused event of a batch is found by splitting the batch); a failure
 * that heals is retried on the same event, in order; duplicates are handled once; an offset is
 * committed only after the effect; a consumer whose loop breaks starts again, and readiness says so
 * meanwhile.
 */
class EventTransportIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ApplicationContext context;
  private static EventPublisher publisher;
  private static EventConsumers consumers;

  @BeforeAll
  static void start() {
    context = TestingServices.start("transport-it", Map.of());
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
  void anEventCrossesTheBrokerWithEveryAttributeAndItsTraceIntact() throws Exception {
    BlockingQueue<EventEnvelope> received = new LinkedBlockingQueue<>();
    BlockingQueue<String> traceIdsWhileHandling = new LinkedBlockingQueue<>();
    BlockingQueue<EventEnvelope> published = new LinkedBlockingQueue<>();
    String platform = "platform-" + UUID.randomUUID();
    EventConsumer consumer =
        startAndAwait(
            ConsumerSpec.of("trace-" + UUID.randomUUID(), Topics.EXECUTION),
            event -> {
              if (!event.platform().equals(platform)) {
                return;
              }
              received.add(event);
              traceIdsWhileHandling.add(Span.current().getSpanContext().getTraceId());
              if (event.causationId() != null) {
                return;
              }
              published.add(
                  publisher
                      .publishAndWait(
                          EventEnvelope.create(
                              EventCatalog.standard(),
                              "transport-it",
                              platform,
                              event.subject(),
                              new StepStarted(
                                  event.subject(), "s-0-2", 0, "postgres", StepAction.SET_IMAGE, 1),
                              event,
                              clock()))
                      .event());
            });
    try {
      EventEnvelope event =
          EventEnvelope.create(
              EventCatalog.standard(),
              "transport-it",
              platform,
              "upgrade-1",
              new StepStarted("upgrade-1", "s-0-1", 0, "postgres", StepAction.BACKUP, 1),
              null,
              clock());

      EventEnvelope sent = publisher.publishAndWait(event).event();
      EventEnvelope got = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);

      assertThat(sent.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
      assertThat(got).isEqualTo(sent);
      String traceId = EventTracing.traceId(sent.traceparent());
      assertThat(traceIdsWhileHandling.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(traceId);

      EventEnvelope caused = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(caused).isEqualTo(published.poll(1, TimeUnit.SECONDS));
      assertThat(caused.causationId()).isEqualTo(sent.id());
      assertThat(EventTracing.traceId(caused.traceparent()))
          .as("an event published while handling another continues its trace")
          .isEqualTo(traceId);
      assertThat(caused.traceparent()).isNotEqualTo(sent.traceparent());
    } finally {
      consumer.close();
    }
  }

  @Test
  void malformedRecordsAreDeadLetteredWithTheirReasonAndTheNextGoodRecordIsHandled()
      throws Exception {
    BlockingQueue<EventEnvelope> received = new LinkedBlockingQueue<>();
    String group = "dlq-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    EventConsumer consumer =
        startAndAwait(
            ConsumerSpec.of(group, Topics.GATES),
            event -> {
              if (event.platform().equals(platform)) {
                received.add(event);
              }
            });
    try (KafkaProducer<String, byte[]> raw = rawProducer()) {
      byte[] garbage = "this is not an event".getBytes(StandardCharsets.UTF_8);
      RecordMetadata garbageAt =
          raw.send(new ProducerRecord<>(Topics.GATES, platform, garbage)).get();
      ProducerRecord<String, byte[]> invalid =
          new ProducerRecord<>(
              Topics.GATES, platform, "{\"upgradeId\":7}".getBytes(StandardCharsets.UTF_8));
      invalid
          .headers()
          .add("ce_specversion", b("1.0"))
          .add("ce_id", b(UUID.randomUUID().toString()))
          .add("ce_source", b("urn:lockstep:validator"))
          .add("ce_type", b("dev.lockstep.gate.passed"))
          .add("ce_dataschema", b("urn:lockstep:schema:dev.lockstep.gate.passed:v1"))
          .add("ce_time", b("2026-11-22T10:00:00Z"))
          .add("ce_platform", b(platform))
          .add("content-type", b("application/json"));
      RecordMetadata invalidAt = raw.send(invalid).get();
      EventEnvelope good =
          EventEnvelope.create(
              EventCatalog.standard(),
              "transport-it",
              platform,
              "upgrade-2",
              new dev.lockstep.events.v1.GatePassed(
                  "upgrade-2", "w0-health", "health", "http", List.of(), null),
              null,
              clock());
      EventEnvelope sent = publisher.publishAndWait(good).event();

      assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(sent);
      List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(group, 2);
      ConsumerRecord<byte[], byte[]> first = dead.get(0);
      assertThat(first.value()).isEqualTo(garbage);
      assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo(platform);
      assertThat(TestingDeadLetters.header(first, DeadLetters.REASON_CODE))
          .isEqualTo("malformed-envelope");
      assertThat(TestingDeadLetters.header(first, DeadLetters.REASON)).contains("not a CloudEvent");
      assertThat(TestingDeadLetters.header(first, DeadLetters.SOURCE_TOPIC))
          .isEqualTo(Topics.GATES);
      assertThat(TestingDeadLetters.header(first, DeadLetters.SOURCE_PARTITION))
          .isEqualTo(Integer.toString(garbageAt.partition()));
      assertThat(TestingDeadLetters.header(first, DeadLetters.SOURCE_OFFSET))
          .isEqualTo(Long.toString(garbageAt.offset()));
      ConsumerRecord<byte[], byte[]> second = dead.get(1);
      assertThat(TestingDeadLetters.header(second, DeadLetters.REASON_CODE))
          .isEqualTo("invalid-data");
      assertThat(TestingDeadLetters.header(second, DeadLetters.REASON))
          .contains("does not match its schema")
          .contains("$.upgradeId: integer found, string expected");
      assertThat(TestingDeadLetters.header(second, DeadLetters.SOURCE_OFFSET))
          .isEqualTo(Long.toString(invalidAt.offset()));
      assertThat(TestingDeadLetters.header(second, "ce_type"))
          .as("original headers are kept")
          .isEqualTo("dev.lockstep.gate.passed");
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      for (String reason : List.of("malformed-envelope", "invalid-data")) {
        assertThat(
                meters
                    .get("lockstep.dead.letters")
                    .tags("topic", Topics.GATES, "reason", reason, "group", group)
                    .counter()
                    .count())
            .as("lockstep_dead_letters_total for " + reason)
            .isEqualTo(1.0);
      }
    } finally {
      consumer.close();
    }
  }

  @Test
  void aRedeliveredEventIsHandledOnce() throws Exception {
    List<String> handled = new ArrayList<>();
    BlockingQueue<String> done = new LinkedBlockingQueue<>();
    String platform = "platform-" + UUID.randomUUID();
    EventConsumer consumer =
        startAndAwait(
            ConsumerSpec.of("dedupe-" + UUID.randomUUID(), Topics.PLANS),
            event -> {
              if (event.platform().equals(platform)) {
                handled.add(event.id());
                done.add(event.id());
              }
            });
    try {
      EventEnvelope event = cancelled(platform, "upgrade-3");
      EventEnvelope sentinel = cancelled(platform, "upgrade-4");
      EventEnvelope sent = publisher.publishAndWait(event).event();
      publisher.publishAndWait(sent);
      publisher.publishAndWait(sentinel);

      assertThat(done.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(event.id());
      assertThat(done.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(sentinel.id());
      assertThat(handled).containsExactly(event.id(), sentinel.id());
    } finally {
      consumer.close();
    }
  }

  @Test
  void aHandlerThatFailsForAWhileIsRetriedOnTheSameEventUntilItSucceedsAndOrderIsKept()
      throws Exception {
    String group = "transient-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    AtomicInteger attempts = new AtomicInteger();
    List<String> handled = new CopyOnWriteArrayList<>();
    EventEnvelope first = cancelled(platform, "first");
    EventConsumer consumer =
        startAndAwait(
            ConsumerSpec.of(group, Topics.PLANS)
                .withRetryBackoff(Duration.ofMillis(20), Duration.ofMillis(80)),
            event -> {
              if (!event.platform().equals(platform)) {
                return;
              }
              if (event.id().equals(first.id()) && attempts.incrementAndGet() <= 6) {
                throw new IllegalStateException("the database is down");
              }
              handled.add(event.id());
            });
    try {
      publisher.publishAndWait(first);
      EventEnvelope next = publisher.publishAndWait(cancelled(platform, "next")).event();

      awaitTrue("both events are handled", () -> handled.size() == 2);
      assertThat(handled)
          .as("the failing event is handled once, and before the next of its platform")
          .containsExactly(first.id(), next.id());
      assertThat(attempts.get()).isEqualTo(7);
      awaitTrue("nothing waits for a retry", () -> consumer.retrying() == 0);
      assertThat(TestingDeadLetters.soFar(group)).as("nothing is dead-lettered").isEmpty();
      assertThat(consumer.consuming()).isTrue();
    } finally {
      consumer.close();
    }
  }

  @Test
  void anEventItsHandlerRefusesIsDeadLetteredWithTheReasonAndTheNextIsHandled() throws Exception {
    String group = "refused-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    AtomicInteger attempts = new AtomicInteger();
    BlockingQueue<String> handled = new LinkedBlockingQueue<>();
    EventEnvelope poison = cancelled(platform, "poison");
    EventConsumer consumer =
        startAndAwait(
            ConsumerSpec.of(group, Topics.PLANS),
            event -> {
              if (!event.platform().equals(platform)) {
                return;
              }
              if (event.id().equals(poison.id())) {
                attempts.incrementAndGet();
                throw new PoisonEventException("platform " + platform + " is not configured");
              }
              handled.add(event.id());
            });
    try {
      publisher.publishAndWait(poison);
      EventEnvelope next = publisher.publishAndWait(cancelled(platform, "next")).event();

      assertThat(handled.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(next.id());
      assertThat(attempts.get()).as("poison is not retried").isEqualTo(1);
      ConsumerRecord<byte[], byte[]> dead = deadLetters(group, 1).get(0);
      assertThat(TestingDeadLetters.header(dead, DeadLetters.REASON_CODE))
          .isEqualTo("handler-refused");
      assertThat(TestingDeadLetters.header(dead, DeadLetters.REASON))
          .contains("platform " + platform + " is not configured");
      assertThat(TestingDeadLetters.header(dead, "ce_id")).isEqualTo(poison.id());
    } finally {
      consumer.close();
    }
  }

  @Test
  void aBatchWithOneEventRefusedForItsDataStoresEveryOtherAndDeadLettersThatOne() throws Exception {
    String group = "batch-refused-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    List<EventEnvelope> sent = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      sent.add(cancelled(platform, "upgrade-" + i));
    }
    EventEnvelope bad = sent.get(5);
    // Published before the consumer starts, so that one poll holds them all.
    publisher.publishAndWait(sent);
    List<String> stored = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    EventConsumer consumer =
        consumers.startBatches(
            ConsumerSpec.of(group, Topics.PLANS).withMaxPollRecords(10_000),
            events -> {
              calls.incrementAndGet();
              // Like one transaction: the database refuses the row, nothing of the batch is kept.
              for (ConsumedEvent e : events) {
                if (e.event().id().equals(bad.id())) {
                  throw new IllegalStateException(
                      "append failed",
                      new SQLException(
                          "invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));
                }
              }
              for (ConsumedEvent e : events) {
                if (e.event().platform().equals(platform)) {
                  stored.add(e.event().id());
                }
              }
            });
    try {
      awaitTrue("every other event is stored", () -> stored.size() == sent.size() - 1);
      assertThat(stored)
          .as("each stored once, in order")
          .containsExactlyElementsOf(
              sent.stream().filter(e -> e != bad).map(EventEnvelope::id).toList());
      ConsumerRecord<byte[], byte[]> dead = deadLetters(group, 1).get(0);
      assertThat(TestingDeadLetters.header(dead, DeadLetters.REASON_CODE))
          .isEqualTo("handler-refused");
      assertThat(TestingDeadLetters.header(dead, DeadLetters.REASON))
          .contains(bad.id())
          .contains("SQLSTATE 22021")
          .contains("invalid byte sequence");
      assertThat(TestingDeadLetters.header(dead, "ce_id")).isEqualTo(bad.id());
      assertThat(calls.get()).as("the batch was split, not tried once per event").isGreaterThan(1);

      EventEnvelope later = publisher.publishAndWait(cancelled(platform, "later")).event();
      awaitTrue("the consumer carries on", () -> stored.contains(later.id()));
      assertThat(TestingDeadLetters.soFar(group)).hasSize(1);
    } finally {
      consumer.close();
    }
  }

  @Test
  void aBatchThatFailsForAWhileIsReadAgainUntilItIsStoredWithNothingDeadLettered()
      throws Exception {
    String group = "batch-transient-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    AtomicInteger failuresLeft = new AtomicInteger(3);
    List<String> stored = new CopyOnWriteArrayList<>();
    EventConsumer consumer =
        consumers.startBatches(
            ConsumerSpec.of(group, Topics.PLANS)
                .withRetryBackoff(Duration.ofMillis(20), Duration.ofMillis(100)),
            events -> {
              List<String> mine =
                  events.stream()
                      .map(ConsumedEvent::event)
                      .filter(e -> e.platform().equals(platform))
                      .map(EventEnvelope::id)
                      .toList();
              if (!mine.isEmpty() && failuresLeft.getAndDecrement() > 0) {
                throw new SQLException("connection refused", "08001");
              }
              stored.addAll(mine);
            });
    try {
      awaitTrue("the consumer has its partitions", consumer::assigned);
      List<EventEnvelope> sent =
          List.of(cancelled(platform, "a"), cancelled(platform, "b"), cancelled(platform, "c"));
      publisher.publishAndWait(sent);

      awaitTrue("every event is stored", () -> stored.size() >= sent.size());
      assertThat(stored).containsExactlyElementsOf(sent.stream().map(EventEnvelope::id).toList());
      assertThat(failuresLeft.get()).isNegative();
      assertThat(TestingDeadLetters.soFar(group)).isEmpty();
    } finally {
      consumer.close();
    }
  }

  @Test
  void aConsumerWhoseLoopBreaksStartsAgainAndReadinessIsDownMeanwhile() throws Exception {
    String group = "restart-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    EmbeddedServer server = context.getBean(EmbeddedServer.class);
    if (!server.isRunning()) {
      server.start();
    }
    ConsumersHealthIndicator readiness = context.getBean(ConsumersHealthIndicator.class);
    AtomicInteger assignments = new AtomicInteger();
    CountDownLatch downSeen = new CountDownLatch(1);
    BlockingQueue<String> handled = new LinkedBlockingQueue<>();
    ConsumerRebalanceListener flaky =
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            int n = assignments.incrementAndGet();
            if (n == 1) {
              throw new IllegalStateException("the ownership store is unreachable");
            }
            if (n == 2) {
              // Holds the restarted consumer until the test has seen readiness go down.
              try {
                downSeen.await(WAIT.toSeconds(), TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    assertThat(readinessStatus(server)).isEqualTo(200);
    EventConsumer consumer =
        consumers.start(
            ConsumerSpec.of(group, Topics.PLANS)
                .withRetryBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
                .withRebalanceListener(flaky),
            event -> {
              if (event.platform().equals(platform)) {
                handled.add(event.id());
              }
            });
    try {
      awaitTrue(
          "the consumer is restarting", () -> consumer.state() == EventConsumer.State.RESTARTING);
      HealthResult down = readiness.result();
      assertThat(down.getStatus()).isEqualTo(HealthStatus.DOWN);
      assertThat(down.getDetails().toString())
          .contains(group)
          .contains("the ownership store is unreachable");
      assertThat(readinessStatus(server)).as("/health/readiness while it restarts").isEqualTo(503);
      assertThat(scraped(server, "lockstep_consumer_ready", group))
          .as("lockstep_consumer_ready while it restarts")
          .isEqualTo(0.0);
      downSeen.countDown();

      awaitTrue("the consumer consumes again", consumer::consuming);
      assertThat(readiness.result().getStatus()).isEqualTo(HealthStatus.UP);
      assertThat(readinessStatus(server)).isEqualTo(200);
      assertThat(assignments.get()).isGreaterThanOrEqualTo(2);
      EventEnvelope later = publisher.publishAndWait(cancelled(platform, "after-restart")).event();
      assertThat(handled.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(later.id());
      assertThat(
              context
                  .getBean(MeterRegistry.class)
                  .counter("lockstep.consumer.restarts", "group", group)
                  .count())
          .isEqualTo(1.0);
      assertThat(scraped(server, "lockstep_consumer_ready", group)).isEqualTo(1.0);
      assertThat(scraped(server, "lockstep_consumer_lag_records", group))
          .as("the group's lag on the plans topic, as Prometheus scrapes it")
          .isGreaterThanOrEqualTo(0.0);
    } finally {
      downSeen.countDown();
      consumer.close();
    }
    assertThat(readinessStatus(server)).as("a closed consumer does not count").isEqualTo(200);
  }

  @Test
  void anEventWhoseHandlingDidNotFinishIsDeliveredAgainToTheGroup() throws Exception {
    String group = "commit-" + UUID.randomUUID();
    String platform = "platform-" + UUID.randomUUID();
    AtomicInteger firstTries = new AtomicInteger();
    EventConsumer crashing =
        startAndAwait(
            ConsumerSpec.of(group, Topics.PLANS)
                .withRetryBackoff(Duration.ofMillis(20), Duration.ofMillis(20)),
            event -> {
              if (event.platform().equals(platform)) {
                firstTries.incrementAndGet();
                throw new IllegalStateException("the database is down");
              }
            });
    EventEnvelope event = publisher.publishAndWait(cancelled(platform, "upgrade-5")).event();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (firstTries.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    crashing.close();
    assertThat(firstTries.get()).isPositive();

    BlockingQueue<EventEnvelope> received = new LinkedBlockingQueue<>();
    EventConsumer restarted =
        startAndAwait(
            ConsumerSpec.of(group, Topics.PLANS),
            e -> {
              if (e.platform().equals(platform)) {
                received.add(e);
              }
            });
    try {
      assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(event);
    } finally {
      restarted.close();
    }
  }

  private static EventEnvelope cancelled(String platform, String upgradeId) {
    return EventEnvelope.create(
        EventCatalog.standard(),
        "transport-it",
        platform,
        upgradeId,
        new dev.lockstep.events.v1.UpgradeCancelled(upgradeId, platform, "alice", null, false),
        null,
        clock());
  }

  private static EventConsumer startAndAwait(ConsumerSpec spec, EventHandler handler)
      throws InterruptedException {
    EventConsumer consumer = consumers.start(spec, handler);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!consumer.assigned() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(consumer.assigned()).as("consumer %s got its partitions", spec.group()).isTrue();
    return consumer;
  }

  private static void awaitTrue(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  private static int readinessStatus(EmbeddedServer server) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(server.getURI().resolve("/health/readiness")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }

  /**
   * The value of a metric's series of the group in the service's {@code /prometheus}, or NaN when
   * it has none.
   */
  private static double scraped(EmbeddedServer server, String metric, String group)
      throws Exception {
    String text =
        HTTP.send(
                HttpRequest.newBuilder(server.getURI().resolve("/prometheus")).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    java.util.regex.Matcher series =
        java.util.regex.Pattern.compile(
                "(?m)^"
                    + metric
                    + "\\{[^}]*group=\""
                    + java.util.regex.Pattern.quote(group)
                    + "\"[^}]*\\} (\\S+)$")
            .matcher(text);
    return series.find() ? Double.parseDouble(series.group(1)) : Double.NaN;
  }

  private static Clock clock() {
    return Clock.fixed(Instant.now().truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<String, byte[]> rawProducer() {
    Properties props = new Properties();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /** The dead letters a group wrote, in order, waiting until there are {@code count}. */
  private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String group, int count) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    props.put("group.id", "reader-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      reader.subscribe(List.of(Topics.DEADLETTER));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (found.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
          if (group.equals(TestingDeadLetters.header(record, DeadLetters.CONSUMER_GROUP))) {
            found.add(record);
          }
        }
      }
    }
    assertThat(found).as("dead letters of %s", group).hasSize(count);
    found.sort(
        java.util.Comparator.comparingLong(
            r -> Long.parseLong(TestingDeadLetters.header(r, DeadLetters.SOURCE_OFFSET))));
    return found;
  }
}
