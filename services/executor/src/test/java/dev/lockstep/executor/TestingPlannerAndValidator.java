package dev.lockstep.executor;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.testkit.kafka.KafkaBroker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Plays the planner and the validator for one platform over the real broker: publishes plans and
 * commands, answers every {@code gate.requested} (after a short delay, passing unless told to fail
 * a gate), and keeps every event the executor wrote for the platform, in log order, together with
 * the verdicts it sent.
 */
public final class TestingPlannerAndValidator implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final EventCodec CODEC = new EventCodec(EventCatalog.standard());

  private final String platform;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<EventEnvelope> log = new CopyOnWriteArrayList<>();
  private final Set<String> failingGates = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private final Duration verdictDelay;
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> silenced =
      new java.util.concurrent.ConcurrentHashMap<>();

  public TestingPlannerAndValidator(String platform, Duration verdictDelay) {
    this.platform = platform;
    this.verdictDelay = verdictDelay;
    Map<String, Object> common = new HashMap<>();
    common.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
    Map<String, Object> producerConfig = new HashMap<>(common);
    producerConfig.put("acks", "all");
    producer =
        new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
    consumer = new KafkaConsumer<>(common, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.EXECUTION).stream()
            .map(info -> new TopicPartition(Topics.EXECUTION, info.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    thread = new Thread(this::run, "testing-planner-" + platform);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Leaves the first {@code asks} requests of the gate with this id unanswered, as a validator that
   * lost them would ({@link Integer#MAX_VALUE}: never answers it).
   */
  public void silence(String gateId, int asks) {
    silenced.put(gateId, new java.util.concurrent.atomic.AtomicInteger(asks));
  }

  /** Makes the gate with this id fail when it is requested. */
  public void failGate(String gateId) {
    failingGates.add(gateId);
  }

  /** Publishes an event of the planner (or of anyone) for the platform. */
  public EventEnvelope publish(String upgradeId, EventPayload payload) {
    EventEnvelope event =
        EventEnvelope.create(
            EventCatalog.standard(),
            "planner",
            platform,
            upgradeId,
            payload,
            null,
            Clock.systemUTC());
    try {
      producer.send(CODEC.toRecord(event)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not publish " + event.type(), e);
    }
    return event;
  }

  /** The events seen so far: the executor's, and the verdicts sent. */
  public List<EventEnvelope> events() {
    return List.copyOf(log);
  }

  /** The executor's events of one upgrade, of one payload type. */
  public <T extends EventPayload> List<T> events(String upgradeId, Class<T> type) {
    List<T> result = new ArrayList<>();
    for (EventEnvelope event : log) {
      if (upgradeId.equals(event.subject()) && type.isInstance(event.data())) {
        result.add(type.cast(event.data()));
      }
    }
    return result;
  }

  /** Waits until a matching event of the type arrives, whatever its upgrade. */
  public <T extends EventPayload> T awaitAny(Class<T> type, Predicate<T> match) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      for (EventEnvelope event : log) {
        if (type.isInstance(event.data()) && match.test(type.cast(event.data()))) {
          return type.cast(event.data());
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("no matching " + type.getSimpleName() + " within " + DEADLINE);
  }

  /** Waits until an event of the type arrives for the upgrade, and returns the first. */
  public <T extends EventPayload> T await(String upgradeId, Class<T> type) {
    return await(upgradeId, type, e -> true);
  }

  /** Waits until a matching event arrives for the upgrade, and returns the first. */
  public <T extends EventPayload> T await(String upgradeId, Class<T> type, Predicate<T> match) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      for (T event : events(upgradeId, type)) {
        if (match.test(event)) {
          return event;
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError(
        "no "
            + type.getSimpleName()
            + " for "
            + upgradeId
            + " within "
            + DEADLINE
            + "; saw "
            + log.stream().map(e -> e.type().replace("dev.lockstep.", "")).toList());
  }

  private void run() {
    while (running.get()) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        if (!platform.equals(record.key())) {
          continue;
        }
        EventEnvelope event = CODEC.fromRecord(record);
        log.add(event);
        if (event.data() instanceof GateRequested request) {
          var silence = silenced.get(request.gateId());
          if (silence != null && silence.getAndDecrement() > 0) {
            continue;
          }
          timer.schedule(() -> answer(request), verdictDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    }
    consumer.close();
  }

  private void answer(GateRequested request) {
    EventPayload verdict =
        failingGates.contains(request.gateId())
            ? new GateFailed(
                request.upgradeId(),
                request.gateId(),
                request.gate().name(),
                request.gate().kind(),
                "error rate 5% is above 1%",
                List.of())
            : new GatePassed(
                request.upgradeId(),
                request.gateId(),
                request.gate().name(),
                request.gate().kind(),
                List.of(),
                null);
    log.add(publish(request.upgradeId(), verdict));
  }

  @Override
  public void close() {
    running.set(false);
    timer.shutdownNow();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
