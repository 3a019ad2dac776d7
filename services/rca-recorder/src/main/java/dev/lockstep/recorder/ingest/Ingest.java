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
import dev.lockstep.runtime.kafka.PipelinedBatchHandler;
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
 * <p>The consumer is the runtime's, in pipelined batch mode ({@link PipelinedBatchHandler}): the
 * consumer's thread decodes a poll and makes its rows and their {@code COPY} input; the writer
 * thread appends them in one transaction ({@code COPY} in binary format straight into the event
 * table; when an event is stored already, {@code COPY} into a staging table and one {@code INSERT
 * ... SELECT ... ON CONFLICT (event_id) DO NOTHING RETURNING} instead) and remembers the new events
 * decoded; then the follower thread refreshes the projections of the upgrades the poll touched,
 * while the writer appends the next poll and the consumer reads the one after. Only then does the
 * runtime dead-letter what it could not read and commit the poll's offsets. If the database fails,
 * nothing more is committed and the poll is read again after a pause (with the polls behind it). A
 * crash anywhere redelivers at most the last three polls, which the unique event id makes harmless.
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
        consumer = consumers.startPipelined(spec, this::prepare);
      }
    }
  }

  /**
   * Makes a poll's rows and their {@code COPY} input on the consumer's thread, while earlier polls
   * are being written; the write stores them, and what follows it refreshes the projections.
   */
  private PipelinedBatchHandler.Write prepare(List<ConsumedEvent> events) {
    Batch batch = Batch.of(events, codec);
    EventStore.Prepared rows = EventStore.prepare(batch.rows());
    return () -> store(events, batch, rows);
  }

  /**
   * Stores a poll's events, in a span {@code record events} for each trace among them (a child of
   * the trace's first event in the poll, linked to its others), so that each upgrade's trace shows
   * its events being recorded; answers the refresh of the projections they touch.
   */
  private PipelinedBatchHandler.Then store(
      List<ConsumedEvent> events, Batch batch, EventStore.Prepared rows) {
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
      append(batch, rows);
    } catch (RuntimeException e) {
      spans.forEach(span -> span.setStatus(StatusCode.ERROR, e.toString()));
      throw e;
    } finally {
      spans.forEach(Span::end);
    }
    return () -> refresh(batch);
  }

  /**
   * Appends a poll's events (durable on return) and remembers the new ones decoded for the fold.
   */
  private void append(Batch batch, EventStore.Prepared rows) {
    try {
      Map<String, Instant> appended = store.onOneConnection(() -> store.appendNew(rows));
      projector.remember(batch.asStored(appended));
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

  /**
   * Refreshes the projections of the upgrades a stored poll touched (its snapshot read and the
   * upsert on one connection); runs while the next poll is appended.
   */
  private void refresh(Batch batch) {
    try {
      store.onOneConnection(
          () -> {
            projector.refresh(batch.upgradeIds());
            return null;
          });
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
