package dev.lockstep.recorder.recovery;

import dev.lockstep.events.EventCodec;
import dev.lockstep.recorder.ingest.Batch;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.EventRow;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.Failures;
import dev.lockstep.runtime.kafka.KafkaSettings;
import dev.lockstep.runtime.kafka.TopicReplay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disaster recovery: fills the event store from Kafka up to the end offsets found when the rebuild
 * began, without a consumer group (nothing is committed, no group is disturbed), then rebuilds
 * every projection from the table and marks the rebuild finished. Each poll's rows and the progress
 * they make ({@link RebuildProgress}) are stored in one transaction, so a rebuild cut short resumes
 * from the offsets it recorded. Records that are not Lockstep events, and events whose row the
 * database refuses for its data, are counted and left out: the live consumer dead-lettered them
 * when they first arrived.
 */
public final class KafkaRebuild {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRebuild.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaSettings kafka;
  private final EventCodec codec;
  private final Database database;
  private final EventStore store;
  private final RebuildProgress progress;
  private final Projector projector;
  private final MeterRegistry meters;
  private final Clock clock;

  public KafkaRebuild(
      KafkaSettings kafka,
      EventCodec codec,
      Database database,
      EventStore store,
      RebuildProgress progress,
      Projector projector,
      MeterRegistry meters,
      Clock clock) {
    this.kafka = kafka;
    this.codec = codec;
    this.database = database;
    this.store = store;
    this.progress = progress;
    this.projector = projector;
    this.meters = meters;
    this.clock = clock;
  }

  /** What one run of a rebuild read and stored. */
  public record Result(long read, long stored, long unreadable, long refused, int upgrades) {}

  /** The end offsets the topics have now: what a rebuild that begins now reads up to. */
  public Map<TopicPartition, Long> endOffsets(List<String> topics) {
    try (TopicReplay replay = TopicReplay.open(config(1), POLL, REQUEST_TIMEOUT)) {
      return replay.endOffsets(replay.partitions(topics));
    }
  }

  /**
   * Reads what is left of a recorded rebuild into the store, recording progress with every batch,
   * then rebuilds the projections and marks the rebuild finished.
   *
   * @param plan where each partition starts and stops
   * @param maxBatch the most records one poll, and so one transaction, holds
   * @param limit how long reading may take before this run gives up (what it stored is kept)
   * @param stillHeld asked before each batch is stored: false when this instance lost the rebuild
   *     lock, which ends the run
   * @throws IllegalStateException when the end offsets are not reached in time or the lock is lost
   */
  public Result run(
      RebuildProgress.Plan plan, int maxBatch, Duration limit, BooleanSupplier stillHeld) {
    long[] stored = {0};
    long[] unreadable = {0};
    long[] refused = {0};
    long read;
    try (TopicReplay replay = TopicReplay.open(config(maxBatch), POLL, REQUEST_TIMEOUT)) {
      read =
          replay.read(
              plan.from(),
              plan.to(),
              limit,
              records -> {
                if (!stillHeld.getAsBoolean()) {
                  throw new IllegalStateException("this instance lost the rebuild lock");
                }
                List<ConsumedEvent> events = new ArrayList<>(records.size());
                TopicReplay.decoding(codec, events::add, (record, e) -> unreadable[0]++)
                    .accept(records);
                Batch batch = Batch.of(events, codec);
                Map<TopicPartition, Long> next = nextOffsets(records);
                try {
                  stored[0] +=
                      database.inTransaction(
                          session -> {
                            long inserted = store.append(session, batch.rows());
                            progress.advance(session, next);
                            return inserted;
                          });
                } catch (RuntimeException e) {
                  if (!Failures.isPoison(e)) {
                    throw e;
                  }
                  stored[0] += storeRowByRow(batch.rows(), next, refused);
                }
                meters.counter("lockstep.recorder.rebuild.records").increment(records.size());
              });
    } catch (TopicReplay.NotCaughtUpException e) {
      throw new IllegalStateException(
          "the rebuild from Kafka did not reach its end offsets within " + limit, e);
    }
    int upgrades = projector.rebuild();
    progress.finish(clock.instant());
    LOG.info(
        "rebuilt the event store from Kafka: {} records read in this run, {} events stored, {}"
            + " unreadable, {} refused by the database, {} upgrades",
        read,
        stored[0],
        unreadable[0],
        refused[0],
        upgrades);
    return new Result(read, stored[0], unreadable[0], refused[0], upgrades);
  }

  /**
   * A batch that the database refused for the data of some row: each row in a transaction of its
   * own, leaving out those refused (the live consumer dead-lettered them when they first arrived),
   * then the progress, once the rows are durable.
   */
  private long storeRowByRow(List<EventRow> rows, Map<TopicPartition, Long> next, long[] refused) {
    long inserted = 0;
    for (EventRow row : rows) {
      try {
        inserted += store.append(List.of(row));
      } catch (RuntimeException e) {
        if (!Failures.isPoison(e)) {
          throw e;
        }
        refused[0]++;
        LOG.warn(
            "the rebuild leaves out event {} ({} {}-{}): the database refuses it: {}",
            row.eventId(),
            row.topic(),
            row.partition(),
            row.offset(),
            Failures.describe(e));
      }
    }
    database.inTransaction(
        session -> {
          progress.advance(session, next);
          return null;
        });
    return inserted;
  }

  /** Per partition, the offset after the last record read: everything below it is stored. */
  private static Map<TopicPartition, Long> nextOffsets(
      List<ConsumerRecord<String, byte[]>> records) {
    Map<TopicPartition, Long> next = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      next.merge(
          new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
    }
    return next;
  }

  private Map<String, Object> config(int maxBatch) {
    Map<String, Object> config = new HashMap<>(kafka.common());
    config.put("max.poll.records", Math.max(1, maxBatch));
    config.put("client.id", "rca-recorder-rebuild");
    return config;
  }
}
