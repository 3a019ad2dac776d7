package dev.lockstep.recorder.ingest;

import dev.lockstep.events.EventCodec;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.recovery.KafkaRebuild;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the recorder's consumer when the service starts; with an empty event table (a fresh
 * database after a disaster) it first fills the table from offset 0 of every topic.
 *
 * <p>The consumer is the runtime's, in batch mode: each poll's events are appended with multi-row
 * {@code INSERT ... ON CONFLICT (event_id) DO NOTHING} and the projections of the upgrades they
 * touch are refreshed, then the runtime dead-letters what it could not read and commits. If the
 * database fails, nothing is committed and the poll is read again after a pause. A crash anywhere
 * redelivers at most the last batch, which the unique event id makes harmless.
 */
@Singleton
@Requires(property = "lockstep.recorder.ingest.enabled", notEquals = "false")
public class Ingest implements ApplicationEventListener<StartupEvent>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  private final IngestSettings settings;
  private final EventConsumers consumers;
  private final EventCodec codec;
  private final EventStore store;
  private final Projector projector;
  private final MeterRegistry meters;
  private final KafkaRebuild rebuild;
  private volatile EventConsumer consumer;

  public Ingest(
      IngestSettings settings,
      EventConsumers consumers,
      EventCodec codec,
      EventStore store,
      Projector projector,
      MeterRegistry meters,
      KafkaRebuild rebuild) {
    this.settings = settings;
    this.consumers = consumers;
    this.codec = codec;
    this.store = store;
    this.projector = projector;
    this.meters = meters;
    this.rebuild = rebuild;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    if (settings.isRebuildWhenEmpty() && store.isEmpty()) {
      LOG.info("the event table is empty: filling it from offset 0 of {}", settings.getTopics());
      rebuild.rebuild(settings.getTopics(), store, projector, Duration.ofMinutes(30));
    }
    ConsumerSpec spec =
        new ConsumerSpec(
            settings.getGroup(),
            settings.getTopics(),
            1,
            Duration.ZERO,
            null,
            Math.max(1, settings.getMaxBatch()));
    consumer = consumers.startBatches(spec, this::store);
  }

  /** Appends a poll's events and refreshes the projections they touch; durable on return. */
  private void store(List<ConsumedEvent> events) {
    Batch batch = Batch.of(events, codec);
    try {
      long stored = store.append(batch.rows());
      projector.refresh(batch.upgradeIds());
      meters
          .counter("lockstep.recorder.events.stored", "group", settings.getGroup())
          .increment(stored);
      meters
          .counter("lockstep.events.duplicates", "group", settings.getGroup())
          .increment(batch.events() - stored);
    } catch (RuntimeException e) {
      meters.counter("lockstep.recorder.batches.failed", "group", settings.getGroup()).increment();
      throw e;
    }
  }

  /** The running consumer, or null before the service started. */
  public EventConsumer consumer() {
    return consumer;
  }

  @PreDestroy
  @Override
  public void close() {
    EventConsumer running = consumer;
    if (running != null) {
      running.close();
    }
  }
}
