package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Starts {@link EventConsumer}s with the service's Kafka settings, dead-letter publisher,
 * processed-event store and tracing, and stops them when the service stops.
 */
@Singleton
public class EventConsumers implements AutoCloseable {
  private final KafkaSettings settings;
  private final EventCodec codec;
  private final DeadLetters deadLetters;
  private final ProcessedEvents processed;
  private final EventTracing tracing;
  private final MeterRegistry meters;
  private final List<EventConsumer> running = new CopyOnWriteArrayList<>();

  public EventConsumers(
      KafkaSettings settings,
      EventCodec codec,
      DeadLetters deadLetters,
      ProcessedEvents processed,
      EventTracing tracing,
      MeterRegistry meters) {
    this.settings = settings;
    this.codec = codec;
    this.deadLetters = deadLetters;
    this.processed = processed;
    this.tracing = tracing;
    this.meters = meters;
  }

  /** Starts a consumer; it runs until the service stops or it is closed. */
  public EventConsumer start(ConsumerSpec spec, EventHandler handler) {
    return started(
        new EventConsumer(
            spec, settings, codec, handler, null, deadLetters, processed, tracing, meters));
  }

  /**
   * Starts a consumer that hands each poll's readable events to one call (see {@link
   * EventBatchHandler}); it runs until the service stops or it is closed.
   */
  public EventConsumer startBatches(ConsumerSpec spec, EventBatchHandler handler) {
    return started(
        new EventConsumer(
            spec, settings, codec, null, handler, deadLetters, processed, tracing, meters));
  }

  private EventConsumer started(EventConsumer consumer) {
    running.add(consumer);
    consumer.start();
    return consumer;
  }

  /** The consumers started so far. */
  public List<EventConsumer> running() {
    return List.copyOf(running);
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
