package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Starts {@link EventConsumer}s with the service's Kafka settings, dead-letter publisher,
 * processed-event store and tracing, and stops them when the service stops. Per group it exposes
 * the gauge {@code lockstep.consumer.retrying}: how many partitions wait to retry a record or batch
 * that failed in a way that may heal; per group and topic the gauge {@code
 * lockstep_consumer_lag_records}: the records behind the end of the partitions its consumers in
 * this process are assigned (sum over instances for the group's lag); per group the gauge {@code
 * lockstep_consumer_ready}: 0 while one of its consumers here restarts after its loop failed (what
 * makes readiness DOWN, {@link ConsumersHealthIndicator}), else 1.
 */
@Singleton
public class EventConsumers implements AutoCloseable {
  private final KafkaSettings settings;
  private final EventCodec codec;
  private final DeadLetters deadLetters;
  private final ProcessedEvents processed;
  private final EventTracing tracing;
  private final MeterRegistry meters;
  private final Clock clock;
  private final List<EventConsumer> running = new CopyOnWriteArrayList<>();

  public EventConsumers(
      KafkaSettings settings,
      EventCodec codec,
      DeadLetters deadLetters,
      ProcessedEvents processed,
      EventTracing tracing,
      MeterRegistry meters,
      Clock clock) {
    this.settings = settings;
    this.codec = codec;
    this.deadLetters = deadLetters;
    this.processed = processed;
    this.tracing = tracing;
    this.meters = meters;
    this.clock = clock;
  }

  /** Starts a consumer; it runs until the service stops or it is closed. */
  public EventConsumer start(ConsumerSpec spec, EventHandler handler) {
    return started(consumer(spec, handler, null, false));
  }

  /**
   * Starts a consumer that hands each poll's readable events to one call (see {@link
   * EventBatchHandler}); it runs until the service stops or it is closed.
   */
  public EventConsumer startBatches(ConsumerSpec spec, EventBatchHandler handler) {
    return started(consumer(spec, null, BatchPath.of(handler), false));
  }

  /**
   * Starts a consumer that hands each poll's readable events to a {@link PipelinedBatchHandler}:
   * prepared on the consumer's thread, written on a writer thread of its own while the next poll is
   * read; it runs until the service stops or it is closed.
   */
  public EventConsumer startPipelined(ConsumerSpec spec, PipelinedBatchHandler handler) {
    return started(consumer(spec, null, handler, true));
  }

  /** A consumer with either an event handler or a batch handler (pipelined or not). */
  private EventConsumer consumer(
      ConsumerSpec spec,
      EventHandler handler,
      PipelinedBatchHandler batchHandler,
      boolean pipelined) {
    return new EventConsumer(
        spec,
        settings,
        codec,
        handler,
        batchHandler,
        pipelined,
        deadLetters,
        processed,
        tracing,
        meters,
        clock);
  }

  private EventConsumer started(EventConsumer consumer) {
    String group = consumer.spec().group();
    running.add(consumer);
    // One gauge per group, over every consumer of the group this process started.
    Gauge.builder("lockstep.consumer.retrying", running, all -> retrying(all, group))
        .description(
            "partitions waiting to retry a record or batch that failed in a way that heals")
        .tag("group", group)
        .register(meters);
    Gauge.builder("lockstep.consumer.ready", running, all -> ready(all, group))
        .description("0 while a consumer of the group restarts after its loop failed, else 1")
        .tag("group", group)
        .register(meters);
    for (String topic : consumer.spec().topics()) {
      Gauge.builder("lockstep.consumer.lag", running, all -> lag(all, group, topic))
          .description("records behind the end of the assigned partitions, as the last fetch saw")
          .baseUnit("records")
          .tag("group", group)
          .tag("topic", topic)
          .register(meters);
    }
    consumer.start();
    return consumer;
  }

  private static double retrying(List<EventConsumer> consumers, String group) {
    return consumers.stream()
        .filter(c -> c.spec().group().equals(group))
        .mapToInt(EventConsumer::retrying)
        .sum();
  }

  private static double ready(List<EventConsumer> consumers, String group) {
    return consumers.stream()
            .anyMatch(
                c -> c.spec().group().equals(group) && c.state() == EventConsumer.State.RESTARTING)
        ? 0
        : 1;
  }

  private static double lag(List<EventConsumer> consumers, String group, String topic) {
    return consumers.stream()
        .filter(c -> c.spec().group().equals(group) && c.state() != EventConsumer.State.STOPPED)
        .mapToLong(c -> c.lag(topic))
        .sum();
  }

  /** The consumers started so far and not closed. */
  public List<EventConsumer> running() {
    return running.stream().filter(c -> c.state() != EventConsumer.State.STOPPED).toList();
  }

  @PreDestroy
  @Override
  public void close() {
    for (EventConsumer consumer : running) {
      consumer.close();
    }
    running.clear();
  }
}
