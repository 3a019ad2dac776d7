package dev.lockstep.validator.evaluation;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.kafka.KafkaSettings;
import dev.lockstep.validator.ledger.EventLogReplay;
import dev.lockstep.validator.ledger.GateKey;
import dev.lockstep.validator.ledger.GateLedger;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validator's intake. It consumes {@code gate.requested} from {@code lockstep.execution}; the
 * handler only registers a gate and returns, and evaluation runs on the {@link GateRunner}'s
 * scheduler. Approval gates are the executor's and are ignored.
 *
 * <p>An instance evaluates the gates of the partitions the group assigned to it (a platform's
 * events share a partition number on every topic). When it is given partitions it first reads them
 * back from offset 0 with a reader of its own (the requests on {@code lockstep.execution}, then the
 * measurements and verdicts on {@code lockstep.gates}) and resumes every gate without a verdict;
 * when partitions are taken away it stops their gates and waits for their publishes in flight.
 */
@Singleton
public class GateRequests implements ApplicationEventListener<StartupEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(GateRequests.class);
  private static final Duration REPLAY_LIMIT = Duration.ofMinutes(2);
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(10);

  private final GateLedger ledger;
  private final GateRunner runner;
  private final EventConsumers consumers;
  private final KafkaSettings kafka;
  private final EventCodec codec;
  private final String group;
  private final AtomicInteger partitionCount = new AtomicInteger();

  public GateRequests(
      GateLedger ledger,
      GateRunner runner,
      EventConsumers consumers,
      KafkaSettings kafka,
      EventCodec codec,
      @Value("${lockstep.validator.group:validator}") String group) {
    this.ledger = ledger;
    this.runner = runner;
    this.consumers = consumers;
    this.kafka = kafka;
    this.codec = codec;
    this.group = group;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    consumers.start(
        ConsumerSpec.of(group, Topics.EXECUTION).withRebalanceListener(new Ownership()),
        this::handle);
  }

  /** Registers a requested gate and returns at once; a repeated request is a no-op. */
  void handle(EventEnvelope event) {
    if (!isMine(event)) {
      return;
    }
    if (ledger.request(event, partitionOf(event))) {
      GateRequested request = event.dataAs(GateRequested.class);
      LOG.info(
          "gate {} ({}) of upgrade {} requested for {}",
          request.gateId(),
          request.gate().spec().kind(),
          request.upgradeId(),
          request.purpose() == null ? "verify" : request.purpose().wire());
      runner.start(GateKey.of(request));
    }
  }

  private void resume(Set<Integer> partitions) {
    int requests =
        EventLogReplay.replay(
            kafka, codec, Topics.EXECUTION, partitions, REPLAY_LIMIT, this::remember);
    int measured =
        EventLogReplay.replay(kafka, codec, Topics.GATES, partitions, REPLAY_LIMIT, ledger::apply);
    List<GateKey> unfinished = ledger.unfinished(partitions);
    LOG.info(
        "partitions {}: replayed {} execution and {} gate events; resuming {} unfinished gates",
        partitions,
        requests,
        measured,
        unfinished.size());
    unfinished.forEach(runner::start);
  }

  private void remember(EventEnvelope event) {
    if (isMine(event)) {
      ledger.request(event, partitionOf(event));
    }
  }

  /** The partition of the event's platform, as Kafka's default partitioner chooses it. */
  private int partitionOf(EventEnvelope event) {
    int count = partitionCount.get();
    if (count == 0) {
      throw new IllegalStateException(
          "the partitions of " + Topics.EXECUTION + " are not known yet");
    }
    byte[] key = event.platform().getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % count;
  }

  private static boolean isMine(EventEnvelope event) {
    return event.data() instanceof GateRequested request
        && !"approval".equals(request.gate().spec().kind());
  }

  /** Resumes the gates of assigned partitions and stops those of revoked ones. */
  private final class Ownership implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      partitionCount.set(EventLogReplay.partitionCount(kafka, Topics.EXECUTION, REPLAY_LIMIT));
      resume(numbers(partitions));
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      stop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      stop(partitions);
    }

    private void stop(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      List<GateKey> gates = ledger.unfinished(numbers(partitions));
      runner.stop(gates, DRAIN_LIMIT);
      LOG.info("partitions {} moved away; stopped {} gates", numbers(partitions), gates.size());
    }

    private Set<Integer> numbers(Collection<TopicPartition> partitions) {
      return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    }
  }
}
