package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlannerQueries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every planner instance answers from: the whole of {@code lockstep.requests}, {@code
 * lockstep.execution} and {@code lockstep.plans}, every partition whichever instance owns it,
 * folded into a core of its own that decides nothing. The instance that owns a platform's partition
 * decides for it ({@link PlannerIntake}); any instance answers about it, and the catalogue is the
 * same everywhere.
 *
 * <p>A read first waits until the model holds every event that was on the topics when the read
 * began (their end offsets then): a release published or an upgrade accepted through one instance
 * is seen by the next request to any instance. While the broker cannot be reached, a read answers
 * from what the model holds after {@link #FRESHNESS_BUDGET}.
 *
 * <p>A thread of its own follows the topics with a consumer that belongs to no group and commits
 * nothing; records it cannot read are skipped (the deciding consumer dead-letters them). When the
 * consumer fails, the model is dropped and read again from the beginning.
 */
public final class PlannerReadModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlannerReadModel.class);

  /** The topics folded. */
  static final List<String> TOPICS = List.of(Topics.REQUESTS, Topics.EXECUTION, Topics.PLANS);

  /** How long a read waits for the model to catch up before it answers from what it holds. */
  static final Duration FRESHNESS_BUDGET = Duration.ofSeconds(3);

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final Map<String, Object> kafka;
  private final EventCodec codec;
  private final PlannerCore core;
  private final Thread thread;
  private final Object progress = new Object();

  /** Guarded by {@link #progress}: the next offset to fold of each partition. */
  private final Map<TopicPartition, Long> positions = new HashMap<>();

  private KafkaConsumer<String, byte[]> offsets;
  private volatile KafkaConsumer<String, byte[]> follower;
  private volatile boolean closed;

  /**
   * A model that folds into {@code core} (a core of its own: nothing is decided with it).
   *
   * @param kafka the common Kafka client settings
   */
  public PlannerReadModel(Map<String, Object> kafka, EventCodec codec, PlannerCore core) {
    this.kafka = Map.copyOf(kafka);
    this.codec = codec;
    this.core = core;
    this.thread = new Thread(this::follow, "lockstep-planner-read-model");
    this.thread.setDaemon(true);
  }

  /** Starts following the topics. */
  public PlannerReadModel start() {
    thread.start();
    return this;
  }

  /** The queries, each answered once the model is current. */
  public PlannerQueries queries() {
    return core.queries().withFreshness(this::awaitCurrent);
  }

  /** A catalogued release, once the model holds every release published before this call. */
  public Optional<Release> release(ReleaseRef ref) {
    awaitCurrent();
    return core.catalogued(ref);
  }

  /**
   * Waits until the model holds every event that was on its topics now (up to {@link
   * #FRESHNESS_BUDGET}); returns whether it does.
   */
  public boolean awaitCurrent() {
    long deadline = System.nanoTime() + FRESHNESS_BUDGET.toNanos();
    Map<TopicPartition, Long> ends;
    try {
      ends = endOffsets();
    } catch (RuntimeException e) {
      LOG.debug("the topics' end offsets are unknown: answering from the model as it is", e);
      return false;
    }
    synchronized (progress) {
      while (!reached(ends)) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          LOG.warn("the read model is still behind the topics after {}", FRESHNESS_BUDGET);
          return false;
        }
        try {
          progress.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private boolean reached(Map<TopicPartition, Long> ends) {
    if (ends.isEmpty() || positions.isEmpty()) {
      return false;
    }
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (positions.getOrDefault(end.getKey(), 0L) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private synchronized Map<TopicPartition, Long> endOffsets() {
    if (offsets == null) {
      offsets = consumer("offsets");
    }
    try {
      return offsets.endOffsets(partitions(offsets), REQUEST_TIMEOUT);
    } catch (RuntimeException e) {
      offsets.close(Duration.ZERO);
      offsets = null;
      throw e;
    }
  }

  private void follow() {
    while (!closed) {
      try (KafkaConsumer<String, byte[]> consumer = consumer("follower")) {
        follower = consumer;
        List<TopicPartition> partitions = partitions(consumer);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        synchronized (progress) {
          // first: a read that waits for the model then waits for this reading too
          positions.clear();
          partitions.forEach(p -> positions.put(p, 0L));
        }
        core.reset();
        while (!closed) {
          fold(consumer, consumer.poll(POLL));
        }
      } catch (WakeupException e) {
        // closing
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.warn("following the topics failed; reading them again from the beginning", e);
          sleep(RETRY);
        }
      } finally {
        follower = null;
      }
    }
  }

  private void fold(
      KafkaConsumer<String, byte[]> consumer, Iterable<ConsumerRecord<String, byte[]>> records) {
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        core.fold(codec.fromRecord(record));
      } catch (EventDecodingException e) {
        LOG.debug(
            "skipping an unreadable record at {}-{}@{}",
            record.topic(),
            record.partition(),
            record.offset());
      } catch (RuntimeException e) {
        LOG.warn(
            "the read model skips the event at {}-{}@{}, which it cannot fold",
            record.topic(),
            record.partition(),
            record.offset(),
            e);
      }
    }
    synchronized (progress) {
      for (TopicPartition partition : new ArrayList<>(positions.keySet())) {
        positions.put(partition, consumer.position(partition));
      }
      progress.notifyAll();
    }
  }

  private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer) {
    List<TopicPartition> all = new ArrayList<>();
    for (String topic : TOPICS) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, REQUEST_TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " has no partitions (yet)");
      }
      infos.forEach(i -> all.add(new TopicPartition(i.topic(), i.partition())));
    }
    return all;
  }

  private KafkaConsumer<String, byte[]> consumer(String role) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.remove("group.id");
    config.put("client.id", "lockstep-planner-read-model-" + role);
    config.put("enable.auto.commit", false);
    config.put("max.poll.records", 2000);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    KafkaConsumer<String, byte[]> running = follower;
    if (running != null) {
      running.wakeup();
    }
    synchronized (progress) {
      progress.notifyAll();
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (offsets != null) {
        offsets.close(Duration.ZERO);
        offsets = null;
      }
    }
  }
}
