package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Lockstep events at least once and hands each to an {@link EventHandler}, on one thread of
 * its own.
 *
 * <ul>
 *   <li>An offset is committed only after the record's effect is durable: the handler returned, or
 *       the record is acknowledged on the dead-letter topic.
 *   <li>Poison is dead-lettered with its reason and the consumer carries on: a record that cannot
 *       be read as an event, and an event whose handler refuses it for its data ({@link Failures}:
 *       a {@link PoisonEventException}, a database refusing the row for its data), reason {@code
 *       handler-refused}.
 *   <li>Any other failure may heal (broker, database, API server, time-outs): the same record is
 *       tried again after a pause that doubles up to the spec's cap, for as long as it takes. Its
 *       partition waits meanwhile, so a platform's events keep their order; other partitions go on.
 *       A dead-letter topic that does not take a record is retried the same way.
 *   <li>An event whose id the group already processed is skipped.
 *   <li>If the loop itself fails (a commit refused after a rebalance, an authorization error, a
 *       rebalance listener that throws, ...), the consumer closes its Kafka consumer, logs the
 *       error, and starts again with a new one in the same group after a growing pause, for as long
 *       as the service runs; {@link #state()} says so meanwhile, and readiness with it ({@link
 *       ConsumersHealthIndicator}).
 * </ul>
 *
 * If the process dies between an effect and the commit, the event is delivered again and the
 * handler, idempotent by event id, finds its work done.
 *
 * <p>With an {@link EventBatchHandler} instead, each poll's readable events go to one call. A
 * failure that may heal reads the batch again after the pause. A batch refused as poison is halved,
 * and halved again, until the one refused event is found: it is dead-lettered, every other event is
 * handled, and each part that succeeds is committed before the next is tried. With a {@link
 * PipelinedBatchHandler} the same holds, and a poll's write runs on a writer thread while the next
 * poll is read, decoded and prepared; its offsets are committed once the write returned ({@link
 * BatchPath}).
 */
public final class EventConsumer implements AutoCloseable {
  /** Where a consumer's loop is. */
  public enum State {
    /** Polling, but the group has not yet given it its partitions (at start). */
    JOINING,
    /** Polling with the partitions the group gave it (possibly none). */
    CONSUMING,
    /** Its loop failed: it waits to start again, or has started again and not yet rejoined. */
    RESTARTING,
    /** Closed. */
    STOPPED
  }

  /**
   * The failure a consumer is restarting after.
   *
   * @param at when the loop failed
   * @param error what failed
   * @param restarts how many times in a row the loop has failed
   */
  public record Failure(Instant at, String error, int restarts) {}

  private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);
  private static final Duration POLL = Duration.ofMillis(250);

  /** The dead-letter reason code of an event its handler refused for its data. */
  public static final String HANDLER_REFUSED = "handler-refused";

  /** The dead letter's reason when a group's handler refused an event for its data. */
  static String refusal(String group, EventEnvelope event, Throwable cause) {
    return group + " refused " + event.type() + " " + event.id() + ": " + Failures.describe(cause);
  }

  private final ConsumerSpec spec;
  private final Map<String, Object> config;
  private final EventCodec codec;
  private final EventHandler handler;
  private final BatchPath batches;
  private final DeadLetters deadLetters;
  private final ProcessedEvents processed;
  private final EventTracing tracing;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();

  /** Per assigned partition, the records behind its end as of the latest fetch. */
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();

  private final PartitionRetries retries;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch closing = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private volatile boolean assigned;
  private volatile State state = State.JOINING;
  private volatile Failure failure;
  private int failures;

  EventConsumer(
      ConsumerSpec spec,
      KafkaSettings settings,
      EventCodec codec,
      EventHandler handler,
      PipelinedBatchHandler batchHandler,
      boolean pipelined,
      DeadLetters deadLetters,
      ProcessedEvents processed,
      EventTracing tracing,
      MeterRegistry meters,
      Clock clock) {
    this.spec = spec;
    this.codec = codec;
    this.handler = handler;
    this.deadLetters = deadLetters;
    this.processed = processed;
    this.tracing = tracing;
    this.meters = meters;
    this.clock = clock;
    this.retries = new PartitionRetries(spec, POLL);
    this.batches =
        batchHandler == null
            ? null
            : new BatchPath(spec, codec, batchHandler, pipelined, retries, new BatchHost());
    Map<String, Object> config = new HashMap<>(consumerConfig(settings, spec));
    config.put(
        "client.id", spec.group() + "-" + Integer.toHexString(System.identityHashCode(this)));
    this.config = Map.copyOf(config);
    // The first Kafka consumer is made here, so that a configuration error fails the start.
    this.consumer = newKafkaConsumer();
    this.thread = new Thread(this::run, "lockstep-consumer-" + spec.group());
    this.thread.setDaemon(true);
  }

  /**
   * The consumer settings every Lockstep consumer uses (without its {@code client.id}): offsets
   * committed by the loop once an event's effect is durable, from the earliest when the group has
   * none, at most {@link ConsumerSpec#maxPollRecords} a poll, range assignment.
   */
  public static Map<String, Object> consumerConfig(KafkaSettings settings, ConsumerSpec spec) {
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put("group.id", spec.group());
    config.put("enable.auto.commit", false);
    config.put("auto.offset.reset", "earliest");
    config.put("max.poll.records", spec.maxPollRecords());
    // Range assigns the same partition numbers of topics with as many partitions to one member, so
    // a platform's events on every topic a group reads (keyed by platform) reach the same instance.
    config.put("partition.assignment.strategy", RangeAssignor.class.getName());
    return config;
  }

  void start() {
    thread.start();
  }

  /** True once the group gave this consumer its partitions (again, after a restart). */
  public boolean assigned() {
    return assigned;
  }

  /** True while its loop polls normally with the partitions the group gave it. */
  public boolean consuming() {
    return state == State.CONSUMING;
  }

  /** Where its loop is. */
  public State state() {
    return state;
  }

  /** The failure it is restarting after, while it is {@link State#RESTARTING}. */
  public Optional<Failure> failure() {
    return state == State.RESTARTING ? Optional.ofNullable(failure) : Optional.empty();
  }

  /** How many of its partitions wait to retry a record or batch that failed in a way that heals. */
  public int retrying() {
    return retries.count();
  }

  /**
   * How many records of the topic lie between this consumer's position and the end of its assigned
   * partitions, as its latest fetches saw it (Kafka's own {@code records-lag}); 0 when it has none
   * of the topic's partitions.
   */
  public long lag(String topic) {
    long sum = 0;
    for (Map.Entry<TopicPartition, Long> entry : lag.entrySet()) {
      if (entry.getKey().topic().equals(topic)) {
        sum += entry.getValue();
      }
    }
    return sum;
  }

  /** The spec it runs with. */
  public ConsumerSpec spec() {
    return spec;
  }

  private KafkaConsumer<String, byte[]> newKafkaConsumer() {
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Runs the loop; when it fails, closes the Kafka consumer and starts again after a pause. */
  private void run() {
    try {
      while (running.get()) {
        KafkaConsumer<String, byte[]> kafka = consumer;
        Throwable failed = null;
        try {
          if (kafka == null) {
            kafka = newKafkaConsumer();
            consumer = kafka;
          }
          poll(kafka);
        } catch (WakeupException e) {
          if (running.get()) {
            failed = e;
          }
        } catch (RuntimeException | Error e) {
          failed = e;
        } finally {
          release(kafka);
        }
        if (failed != null && running.get()) {
          restartAfter(failed);
        }
      }
    } finally {
      state = State.STOPPED;
      retries.clear();
      if (batches != null) {
        batches.close();
      }
      stopped.countDown();
    }
  }

  private void poll(KafkaConsumer<String, byte[]> kafka) {
    kafka.subscribe(spec.topics(), new Rebalance(kafka));
    while (running.get()) {
      retries.resumeDue(kafka);
      Duration timeout = retries.pollTimeout();
      ConsumerRecords<String, byte[]> records =
          kafka.poll(batches == null ? timeout : batches.pollTimeout(timeout));
      measureLag(kafka);
      if (assigned && state != State.CONSUMING) {
        if (state == State.RESTARTING) {
          LOG.info("consumer {} consumes again after {} failures", spec.group(), failures);
        }
        state = State.CONSUMING;
        failures = 0;
      }
      if (batches != null) {
        batches.process(kafka, records);
      } else {
        processEach(kafka, records);
      }
      commit(kafka);
    }
  }

  /**
   * Keeps the lag of every assigned partition that a fetch has measured; a paused partition keeps
   * the value of its last fetch. Local to the consumer: no request to the broker.
   */
  private void measureLag(KafkaConsumer<String, byte[]> kafka) {
    for (TopicPartition partition : kafka.assignment()) {
      OptionalLong current = kafka.currentLag(partition);
      if (current.isPresent()) {
        lag.put(partition, current.getAsLong());
      }
    }
  }

  /** Commits what is durable (quietly: the consumer may be failing) and closes the consumer. */
  private void release(KafkaConsumer<String, byte[]> kafka) {
    consumer = null;
    assigned = false;
    retries.clear();
    lag.clear();
    if (kafka == null) {
      pending.clear();
      return;
    }
    try {
      if (batches != null) {
        batches.settleBeforeClose(kafka);
      }
      commit(kafka);
    } catch (RuntimeException e) {
      LOG.warn("consumer {} could not commit on close: {}", spec.group(), e.toString());
    }
    pending.clear();
    try {
      kafka.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      LOG.warn("consumer {} did not close cleanly: {}", spec.group(), e.toString());
    }
  }

  private void restartAfter(Throwable failed) {
    failures++;
    Failure previous = failure;
    failure = new Failure(clock.instant(), chain(failed), failures);
    state = State.RESTARTING;
    meters.counter("lockstep.consumer.restarts", "group", spec.group()).increment();
    Duration pause = spec.backoff(failures);
    if (failures == 1 || previous == null || !previous.error().equals(chain(failed))) {
      LOG.error(
          "consumer {} failed; it starts again with a new Kafka consumer in {} (failure {})",
          spec.group(),
          pause,
          failures,
          failed);
    } else {
      LOG.error(
          "consumer {} failed again; it starts again in {} (failure {}): {}",
          spec.group(),
          pause,
          failures,
          failed.toString());
    }
    pause(pause);
  }

  /** The failure and its causes, for people: {@code a; caused by b; caused by c}. */
  private static String chain(Throwable failed) {
    StringBuilder text = new StringBuilder(failed.toString());
    Throwable cause = failed.getCause();
    for (int depth = 0; cause != null && cause != failed && depth < 5; depth++) {
      text.append("; caused by ").append(cause);
      cause = cause.getCause();
    }
    return text.toString();
  }

  private void processEach(
      KafkaConsumer<String, byte[]> kafka, ConsumerRecords<String, byte[]> records) {
    for (TopicPartition partition : records.partitions()) {
      for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
        if (!running.get()) {
          return;
        }
        if (!process(kafka, partition, record)) {
          break;
        }
        pending.put(partition, new OffsetAndMetadata(record.offset() + 1));
      }
    }
  }

  /**
   * Handles one record; false when it waits to be tried again (nothing durable happened: its
   * partition is rewound to it and paused).
   */
  private boolean process(
      KafkaConsumer<String, byte[]> kafka,
      TopicPartition partition,
      ConsumerRecord<String, byte[]> record) {
    EventEnvelope event;
    try {
      event = codec.fromRecord(record);
    } catch (EventDecodingException e) {
      return deadLetter(kafka, record, e.reason().wire(), e.getMessage());
    }
    Exception failed;
    try {
      if (processed.isProcessed(spec.group(), event.id())) {
        meters.counter("lockstep.events.duplicates", "group", spec.group()).increment();
        LOG.debug("{} skips event {}: already processed", spec.group(), event.id());
        retries.done(partition);
        return true;
      }
      failed = handle(event);
    } catch (RuntimeException e) {
      failed = e;
    }
    if (failed == null) {
      retries.done(partition);
      return true;
    }
    if (Failures.isPoison(failed)) {
      return deadLetter(kafka, record, HANDLER_REFUSED, refusal(spec.group(), event, failed));
    }
    int attempt = retries.later(kafka, partition, record.offset());
    retries.log("could not handle " + event.type() + " " + event.id(), attempt, partition, failed);
    return false;
  }

  /** Runs the handler in the event's trace; answers how it failed, or null when it succeeded. */
  private Exception handle(EventEnvelope event) {
    try (EventTracing.Handling span = tracing.handling(event, spec.group())) {
      try {
        handler.handle(event);
        processed.markProcessed(spec.group(), event.id());
        meters
            .counter("lockstep.events.handled", "group", spec.group(), "type", event.type())
            .increment();
        return null;
      } catch (Exception e) {
        span.failed(e);
        return e;
      }
    }
  }

  /** Dead-letters a record; false when the dead-letter topic did not take it (retried later). */
  private boolean deadLetter(
      KafkaConsumer<String, byte[]> kafka,
      ConsumerRecord<String, byte[]> record,
      String code,
      String reason) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    try {
      send(record, code, reason);
      retries.done(partition);
      return true;
    } catch (DeadLetters.DeadLetterException e) {
      int attempt = retries.later(kafka, partition, record.offset());
      retries.log(
          "cannot dead-letter " + record.topic() + "/" + record.partition() + "@" + record.offset(),
          attempt,
          partition,
          e.getCause() == null ? e : e.getCause());
      return false;
    }
  }

  private void send(ConsumerRecord<String, byte[]> record, String code, String reason) {
    deadLetters.send(record, spec.group(), code, reason);
    meters
        .counter("lockstep.events.deadlettered", "group", spec.group(), "reason", code)
        .increment();
  }

  private void commit(KafkaConsumer<String, byte[]> kafka) {
    if (!pending.isEmpty()) {
      kafka.commitSync(pending);
      pending.clear();
    }
  }

  /** The batch path's view of this consumer. */
  private final class BatchHost implements BatchPath.Host {
    @Override
    public boolean running() {
      return running.get();
    }

    @Override
    public void send(ConsumerRecord<String, byte[]> record, String code, String reason) {
      EventConsumer.this.send(record, code, reason);
    }

    @Override
    public void commit(KafkaConsumer<String, byte[]> kafka, Map<TopicPartition, Long> next) {
      Set<TopicPartition> assigned = kafka.assignment();
      next.forEach(
          (partition, offset) -> {
            // A partition lost while its batch was written belongs to another member now.
            if (assigned.contains(partition)) {
              pending.put(partition, new OffsetAndMetadata(offset));
            }
          });
      EventConsumer.this.commit(kafka);
    }
  }

  /** Waits, unless the consumer is closed first. */
  private void pause(Duration pause) {
    try {
      closing.await(pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  /** Stops polling, commits what was handled and leaves the group. */
  @Override
  public void close() {
    if (running.compareAndSet(true, false)) {
      closing.countDown();
      KafkaConsumer<String, byte[]> kafka = consumer;
      if (kafka != null) {
        kafka.wakeup();
      }
    }
    try {
      if (!stopped.await(15, TimeUnit.SECONDS)) {
        LOG.warn("consumer {} did not stop within 15 s", spec.group());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    private final KafkaConsumer<String, byte[]> kafka;

    Rebalance(KafkaConsumer<String, byte[]> kafka) {
      this.kafka = kafka;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (batches != null) {
        // The write in flight may hold their records: commit it before they go to another.
        batches.settle(kafka, false);
      }
      Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
      for (TopicPartition partition : partitions) {
        OffsetAndMetadata offset = pending.remove(partition);
        if (offset != null) {
          mine.put(partition, offset);
        }
      }
      retries.forget(partitions);
      partitions.forEach(lag::remove);
      if (!mine.isEmpty()) {
        kafka.commitSync(mine);
      }
      if (spec.rebalanceListener() != null) {
        spec.rebalanceListener().onPartitionsRevoked(partitions);
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (spec.rebalanceListener() != null) {
        spec.rebalanceListener().onPartitionsAssigned(partitions);
      }
      assigned = true;
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : partitions) {
        pending.remove(partition);
        lag.remove(partition);
      }
      retries.forget(partitions);
      if (spec.rebalanceListener() != null) {
        spec.rebalanceListener().onPartitionsLost(partitions);
      }
    }
  }
}
