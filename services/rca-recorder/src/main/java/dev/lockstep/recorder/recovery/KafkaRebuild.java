package dev.lockstep.recorder.recovery;

import dev.lockstep.events.EventCodec;
import dev.lockstep.recorder.ingest.Batch;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.runtime.kafka.ConsumedEvent;
import dev.lockstep.runtime.kafka.KafkaSettings;
import dev.lockstep.runtime.kafka.TopicReplay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disaster recovery: fills an event store from offset 0 of every topic up to the end offsets found
 * when it starts, without a consumer group (nothing is committed, no group is disturbed), then
 * rebuilds every projection from the table. Records that are not Lockstep events are counted and
 * left out: the live consumer dead-lettered them when they first arrived.
 */
public final class KafkaRebuild {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRebuild.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaSettings kafka;
  private final EventCodec codec;

  public KafkaRebuild(KafkaSettings kafka, EventCodec codec) {
    this.kafka = kafka;
    this.codec = codec;
  }

  /** What a rebuild read and stored. */
  public record Result(long read, long stored, long unreadable, int upgrades) {}

  /**
   * Reads the topics from their start into the store, then rebuilds the projections.
   *
   * @param timeout how long reading may take before the rebuild gives up
   * @throws IllegalStateException when the end offsets are not reached in time
   */
  public Result rebuild(
      List<String> topics, EventStore store, Projector projector, Duration timeout) {
    Map<String, Object> config = new HashMap<>(kafka.common());
    config.put("max.poll.records", 1000);
    config.put("client.id", "rca-recorder-rebuild");
    long[] stored = {0};
    long[] unreadable = {0};
    long read;
    try (TopicReplay replay = TopicReplay.open(config, POLL, REQUEST_TIMEOUT)) {
      read =
          replay.readToEnd(
              topics,
              timeout,
              records -> {
                List<ConsumedEvent> batch = new ArrayList<>(records.size());
                TopicReplay.decoding(codec, batch::add, (record, e) -> unreadable[0]++)
                    .accept(records);
                stored[0] += store.append(Batch.of(batch, codec).rows());
              });
    } catch (TopicReplay.NotCaughtUpException e) {
      throw new IllegalStateException("the rebuild from Kafka did not reach the end in time", e);
    }
    int upgrades = projector.rebuild();
    LOG.info(
        "rebuilt the event store from Kafka: {} records read, {} events stored, {} unreadable, {}"
            + " upgrades",
        read,
        stored[0],
        unreadable[0],
        upgrades);
    return new Result(read, stored[0], unreadable[0], upgrades);
  }
}
