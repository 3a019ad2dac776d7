package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 *   <li>A record that cannot be read as an event is dead-lettered with the reason; a handler that
 *       keeps failing after the spec's attempts is dead-lettered too; the consumer carries on.
 *   <li>An event whose id the group already processed is skipped.
 *   <li>If even the dead-letter topic cannot take a record, nothing is committed: the consumer
 *       seeks back and tries again after a pause, so no record is lost.
 * </ul>
 *
 * If the process dies between an effect and the commit, the event is delivered again and the
 * handler, idempotent by event id, finds its work done.
 *
 * <p>With an {@link EventBatchHandler} instead, each poll's readable events go to one call; if it
 * fails, nothing is committed and the poll's records are read again after a pause.
 */
public final class EventConsumer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration STALL_PAUSE = Duration.ofSeconds(1);

  private final ConsumerSpec spec;
  private final KafkaConsumer<String, byte[]> consumer;
  private final EventCodec codec;
  private final EventHandler handler;
  private final EventBatchHandler batchHandler;
  private final DeadLetters deadLetters;
  private final ProcessedEvents processed;
  private final EventTracing tracing;
  private final MeterRegistry meters;
  private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean assigned;

  EventConsumer(
      ConsumerSpec spec,
      KafkaSettings settings,
      EventCodec codec,
      EventHandler handler,
      EventBatchHandler batchHandler,
      DeadLetters deadLetters,
      ProcessedEvents processed,
      EventTracing tracing,
      MeterRegistry meters) {
    this.spec = spec;
    this.codec = codec;
    this.handler = handler;
    this.batchHandler = batchHandler;
    this.deadLetters = deadLetters;
    this.processed = processed;
    this.tracing = tracing;
    this.meters = meters;
    Map<String, Object> config = new HashMap<>(settings.common());
    config.put("group.id", spec.group());
    config.put(
        "client.id", spec.group() + "-" + Integer.toHexString(System.identityHashCode(this)));
    config.put("enable.auto.commit", false);
    config.put("auto.offset.reset", "earliest");
    config.put("max.poll.records", spec.maxPollRecords());
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "lockstep-consumer-" + spec.group());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** True once the group gave this consumer its partitions. */
  public boolean assigned() {
    return assigned;
  }

  /** The spec it runs with. */
  public ConsumerSpec spec() {
    return spec;
  }

  private void run() {
    try {
      consumer.subscribe(spec.topics(), new Rebalance());
      while (running.get()) {
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        if (batchHandler != null) {
          if (!records.isEmpty()) {
            processBatch(records);
          }
          continue;
        }
        for (TopicPartition partition : records.partitions()) {
          for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
            if (!running.get()) {
              break;
            }
            if (!process(record)) {
              consumer.seek(partition, record.offset());
              sleep(STALL_PAUSE);
              break;
            }
            pending.put(partition, new OffsetAndMetadata(record.offset() + 1));
          }
        }
        commit();
      }
    } catch (WakeupException e) {
      if (running.get()) {
        LOG.error("consumer {} woken up unexpectedly", spec.group(), e);
      }
    } catch (RuntimeException e) {
      LOG.error("consumer {} stopped on an unexpected error", spec.group(), e);
    } finally {
      try {
        commit();
      } catch (RuntimeException e) {
        LOG.warn("consumer {} could not commit on close: {}", spec.group(), e.getMessage());
      }
      consumer.close(Duration.ofSeconds(5));
      stopped.countDown();
    }
  }

  /** Handles one record; false when it must be tried again later (nothing durable happened). */
  private boolean process(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event;
    try {
      event = codec.fromRecord(record);
    } catch (EventDecodingException e) {
      return deadLetter(record, e.reason().wire(), e.getMessage());
    }
    if (processed.isProcessed(spec.group(), event.id())) {
      meters.counter("lockstep.events.duplicates", "group", spec.group()).increment();
      LOG.debug("{} skips event {}: already processed", spec.group(), event.id());
      return true;
    }
    Exception last = null;
    Duration backoff = spec.retryBackoff();
    for (int attempt = 1; attempt <= spec.maxAttempts() && running.get(); attempt++) {
      try (EventTracing.Handling span = tracing.handling(event, spec.group())) {
        try {
          handler.handle(event);
          processed.markProcessed(spec.group(), event.id());
          meters
              .counter("lockstep.events.handled", "group", spec.group(), "type", event.type())
              .increment();
          return true;
        } catch (Exception e) {
          span.failed(e);
          last = e;
        }
      }
      LOG.warn(
          "{} failed to handle {} {} (attempt {} of {}): {}",
          spec.group(),
          event.type(),
          event.id(),
          attempt,
          spec.maxAttempts(),
          last.toString());
      if (attempt < spec.maxAttempts()) {
        sleep(backoff);
        backoff = backoff.multipliedBy(2);
      }
    }
    if (!running.get()) {
      return false;
    }
    return deadLetter(
        record,
        "handler-failed",
        spec.group()
            + " failed "
            + spec.maxAttempts()
            + " times on "
            + event.type()
            + " "
            + event.id()
            + ": "
            + last);
  }

  /**
   * Hands a poll's readable events to the batch handler, then dead-letters what could not be read
   * and commits. A failed batch is read again from its start; a record the dead-letter topic
   * refuses holds its partition's commit back and is read again.
   */
  private void processBatch(ConsumerRecords<String, byte[]> records) {
    List<ConsumedEvent> events = new ArrayList<>(records.count());
    List<Unreadable> unreadable = new ArrayList<>();
    Map<TopicPartition, Long> first = new HashMap<>();
    Map<TopicPartition, Long> next = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<String, byte[]>> ofPartition = records.records(partition);
      first.put(partition, ofPartition.get(0).offset());
      next.put(partition, ofPartition.get(ofPartition.size() - 1).offset() + 1);
      for (ConsumerRecord<String, byte[]> record : ofPartition) {
        try {
          events.add(
              new ConsumedEvent(
                  codec.fromRecord(record), record.topic(), record.partition(), record.offset()));
        } catch (EventDecodingException e) {
          unreadable.add(new Unreadable(record, e.reason().wire(), e.getMessage()));
        }
      }
    }
    try {
      batchHandler.handle(events);
    } catch (Exception e) {
      LOG.warn(
          "{} could not handle a batch of {} events; it is read again: {}",
          spec.group(),
          events.size(),
          e.toString());
      first.forEach(consumer::seek);
      sleep(STALL_PAUSE);
      return;
    }
    // Dead letters after the batch is durable: a failed batch is read again before any of its
    // records reached the dead-letter topic.
    Map<TopicPartition, Long> stalled = new HashMap<>();
    for (Unreadable record : unreadable) {
      TopicPartition partition =
          new TopicPartition(record.record().topic(), record.record().partition());
      if (!stalled.containsKey(partition)
          && !deadLetter(record.record(), record.code(), record.reason())) {
        stalled.put(partition, record.record().offset());
      }
    }
    next.forEach(
        (partition, offset) ->
            pending.put(partition, new OffsetAndMetadata(stalled.getOrDefault(partition, offset))));
    commit();
    if (!stalled.isEmpty()) {
      stalled.forEach(consumer::seek);
      sleep(STALL_PAUSE);
    }
  }

  private record Unreadable(ConsumerRecord<String, byte[]> record, String code, String reason) {}

  private boolean deadLetter(ConsumerRecord<String, byte[]> record, String code, String reason) {
    try {
      deadLetters.send(record, spec.group(), code, reason);
      meters
          .counter("lockstep.events.deadlettered", "group", spec.group(), "reason", code)
          .increment();
      return true;
    } catch (DeadLetters.DeadLetterException e) {
      LOG.error(
          "{} cannot dead-letter {}/{}@{}; it stays uncommitted and is retried: {}",
          spec.group(),
          record.topic(),
          record.partition(),
          record.offset(),
          e.getCause() == null ? e.getMessage() : e.getCause().toString());
      return false;
    }
  }

  private void commit() {
    if (!pending.isEmpty()) {
      consumer.commitSync(pending);
      pending.clear();
    }
  }

  private void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  /** Stops polling, commits what was handled and leaves the group. */
  @Override
  public void close() {
    if (running.compareAndSet(true, false)) {
      consumer.wakeup();
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
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      List<TopicPartition> revoked = List.copyOf(partitions);
      Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
      for (TopicPartition partition : revoked) {
        OffsetAndMetadata offset = pending.remove(partition);
        if (offset != null) {
          mine.put(partition, offset);
        }
      }
      if (!mine.isEmpty()) {
        consumer.commitSync(mine);
      }
      if (spec.rebalanceListener() != null) {
        spec.rebalanceListener().onPartitionsRevoked(partitions);
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assigned = true;
      if (spec.rebalanceListener() != null) {
        spec.rebalanceListener().onPartitionsAssigned(partitions);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : partitions) {
        pending.remove(partition);
      }
      if (spec.rebalanceListener() != null) {
        spec.rebalanceListener().onPartitionsLost(partitions);
      }
    }
  }
}
