package dev.lockstep.recorder.ingest;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.recovery.Recovery;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the recorder's consumer when the service starts, on a thread of its own: first {@link
 * Recovery} brings the store up to Kafka (a fresh database after a disaster is filled from offset 0
 * of every topic, a rebuild cut short is resumed, another instance's rebuild is waited for), and
 * only then does live ingest begin. Until it has, the service is not ready ({@link
 * IngestReadiness}).
 *
 * <p>The consumer is the runtime's, in batch mode: each poll's events are appended in one
 * transaction ({@code COPY} straight into the event table; when an event is stored already, {@code
 * COPY} into a staging table and one {@code INSERT ... SELECT ... ON CONFLICT (event_id) DO NOTHING
 * RETURNING} instead), the events that were new are remembered decoded, and the projections of the
 * upgrades the poll touched are refreshed, all on one connection of the pool; then the runtime
 * dead-letters what it could not read and commits. If the database fails, nothing is committed and
 * the poll is read again after a pause. A crash anywhere redelivers at most the last batch, which
 * the unique event id makes harmless.
 *
 * <p>Each stored batch counts its events in {@code lockstep_recorder_events_ingested_total} (new
 * and already stored; {@code lockstep_recorder_events_stored_total} counts the new) and its size in
 * {@code lockstep_recorder_batch_size_events}.
 */
@Singleton
@Requires(property = "lockstep.recorder.ingest.enabled", notEquals = "false")
public class Ingest implements ApplicationEventListener<StartupEvent>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private final IngestSettings settings;
  private final EventConsumers consumers;
  private final EventCodec codec;
  private final EventStore store;
  private final Projector projector;
  private final MeterRegistry meters;
  private final Recovery recovery;
  private final EventTracing tracing;
  private volatile EventConsumer consumer;
  private volatile boolean running = true;
  private volatile Thread starter;

  public Ingest(
      IngestSettings settings,
      EventConsumers consumers,
      EventCodec codec,
      EventStore store,
      Projector projector,
      MeterRegistry meters,
      Recovery recovery,
      EventTracing tracing) {
    this.tracing = tracing;
    this.settings = settings;
    this.consumers = consumers;
    this.codec = codec;
    this.store = store;
    this.projector = projector;
    this.meters = meters;
    this.recovery = recovery;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    Thread thread = new Thread(this::recoverThenConsume, "rca-recorder-recovery");
    thread.setDaemon(true);
    starter = thread;
    thread.start();
  }

  /** Runs recovery to its end (retrying as long as it takes), then starts the live consumer. */
  private void recoverThenConsume() {
    if (settings.isRebuildWhenEmpty()) {
      try {
        Recovery.Outcome outcome =
            recovery.awaitRecovered(
                new Recovery.Settings(
                    settings.getTopics(),
                    Math.max(1, settings.getMaxBatch()),
                    settings.getRebuildTimeLimit()),
                () -> running);
        LOG.info("recovery from Kafka: {}; starting live ingest", outcome);
      } catch (InterruptedException e) {
        LOG.info("the service stops before its recovery finished: no live ingest");
        return;
      }
    }
    ConsumerSpec spec =
        ConsumerSpec.of(settings.getGroup(), settings.getTopics())
            .withMaxPollRecords(Math.max(1, settings.getMaxBatch()));
    synchronized (this) {
      if (running) {
        consumer = consumers.startBatches(spec, this::store);
      }
    }
  }

  /**
   * Stores a poll's events, in a span {@code record events} for each trace among them (a child of
   * the trace's first event in the poll, linked to its others), so that each upgrade's trace shows
   * its events being recorded.
   */
  private void store(List<ConsumedEvent> events) {
    Map<String, List<EventEnvelope>> byTrace = new LinkedHashMap<>();
    for (ConsumedEvent consumed : events) {
      String traceId = EventTracing.traceId(consumed.event().traceparent());
      if (traceId != null) {
        byTrace.computeIfAbsent(traceId, id -> new ArrayList<>()).add(consumed.event());
      }
    }
    List<Span> spans = new ArrayList<>();
    byTrace.values().forEach(traced -> spans.add(tracing.openFor("record events", traced)));
    try {
      append(events);
    } catch (RuntimeException e) {
      spans.forEach(span -> span.setStatus(StatusCode.ERROR, e.toString()));
      throw e;
    } finally {
      spans.forEach(Span::end);
    }
  }

  /** Appends a poll's events and refreshes the projections they touch; durable on return. */
  private void append(List<ConsumedEvent> events) {
    Batch batch = Batch.of(events, codec);
    try {
      Map<String, Instant> appended =
          store.onOneConnection(
              () -> {
                Map<String, Instant> stored = store.appendNew(batch.rows());
                projector.remember(batch.asStored(stored));
                projector.refresh(batch.upgradeIds());
                return stored;
              });
      long stored = appended.size();
      meters
          .counter("lockstep.recorder.events.ingested", "group", settings.getGroup())
          .increment(batch.events());
      DistributionSummary.builder("lockstep.recorder.batch.size")
          .description("events per ingested batch")
          .baseUnit("events")
          .serviceLevelObjectives(1, 5, 10, 50, 100, 500, 1000, 2000)
          .tag("group", settings.getGroup())
          .register(meters)
          .record(batch.events());
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

  /** The running consumer, or null until recovery has finished (and after it was cut short). */
  public EventConsumer consumer() {
    return consumer;
  }

  /** What recovery is doing, for the readiness check. */
  public Recovery recovery() {
    return recovery;
  }

  @PreDestroy
  @Override
  public void close() {
    running = false;
    Thread thread = starter;
    if (thread != null && thread != Thread.currentThread()) {
      thread.interrupt();
      try {
        thread.join(STOP_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    EventConsumer live;
    synchronized (this) {
      live = consumer;
    }
    if (live != null) {
      live.close();
    }
  }
}
