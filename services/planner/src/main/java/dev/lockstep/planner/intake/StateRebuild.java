package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.runtime.kafka.TopicReplay;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the planner's topics back from offset 0 to rebuild its state at start: the topics it
 * consumes up to its consumer group's committed offsets (every effect of those events is already on
 * {@code lockstep.plans}; later ones are delivered again to the live consumer), and {@code
 * lockstep.plans} to its end. Records that cannot be decoded are skipped: the live consumer
 * dead-lettered them.
 */
public final class StateRebuild {
  private static final Logger LOG = LoggerFactory.getLogger(StateRebuild.class);

  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private StateRebuild() {}

  /**
   * What a rebuild read.
   *
   * @param events how many events were folded
   * @param requestPartitions how many partitions the first consumed topic has
   */
  public record Result(int events, int requestPartitions) {}

  /**
   * Feeds every event to {@code fold}.
   *
   * @param kafka the common Kafka client settings
   * @param group the live consumer's group
   * @param consumed the topics the group consumes (read up to its committed offsets)
   * @param full the topics read to their end
   */
  public static Result replay(
      Map<String, Object> kafka,
      String group,
      List<String> consumed,
      List<String> full,
      EventCodec codec,
      Consumer<EventEnvelope> fold) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.put("group.id", group);
    int[] count = {0};
    try (TopicReplay replay = TopicReplay.open(config, POLL, REQUEST_TIMEOUT)) {
      int firstPartitions = replay.partitions(consumed.get(0)).size();
      Map<TopicPartition, Long> until = replay.committedOffsets(replay.partitions(consumed));
      until.putAll(replay.endOffsets(replay.partitions(full)));
      replay.read(
          until,
          TopicReplay.NO_LIMIT,
          TopicReplay.decoding(
              codec,
              event -> {
                fold.accept(event.event());
                count[0]++;
              },
              (record, e) ->
                  LOG.debug(
                      "skipping an unreadable record at {}-{}@{}",
                      record.topic(),
                      record.partition(),
                      record.offset())));
      return new Result(count[0], firstPartitions);
    }
  }
}
