package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.kafka.KafkaSettings;
import dev.lockstep.runtime.tracing.EventTracing;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka edge of the planner. It consumes {@code lockstep.requests} and {@code
 * lockstep.execution} in the consumer group, which gives each instance the partitions, hence the
 * platforms (events are keyed by platform; both topics have as many partitions and are assigned
 * alike), it decides for. Whenever it comes to own a partition it did not own (at start, when an
 * instance leaves or joins), it rebuilds its state from the topics (see {@link StateRebuild}) and
 * writes any decision the former owner or a crash left unmade for the platforms it now owns; the
 * decisions stay with the owner, the answers to queries come from every instance ({@link
 * PlannerReadModel}). Each event goes to {@link PlannerCore}, and what it decides is published (and
 * acknowledged by the brokers) before the handler returns, so the offset is committed only after
 * the effect is durable. When publishing fails, the state is rebuilt from the topics (it may hold
 * decisions that never left) and the event is retried; a retried event finds its effect by the
 * state, so nothing is written twice. Error strategy: the runtime's retries, from 500 ms doubling
 * up to 30 s, for as long as it takes; only what cannot be read (or a {@code PoisonEventException})
 * goes to the dead-letter topic.
 */
@Singleton
public class PlannerIntake implements ApplicationEventListener<StartupEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(PlannerIntake.class);

  private final EventConsumers consumers;
  private final EventPublisher publisher;
  private final KafkaSettings settings;
  private final EventCodec codec;
  private final PlannerCore core;
  private final String group;
  private final boolean enabled;
  private final PlannerReadModel readModel;
  private final EventTracing tracing;
  private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
  private volatile int requestPartitionCount;
  private volatile EventConsumer consumer;

  /** The intake with its group ({@code lockstep.planner.group}). */
  public PlannerIntake(
      EventConsumers consumers,
      EventPublisher publisher,
      KafkaSettings settings,
      EventCodec codec,
      PlannerCore core,
      PlannerReadModel readModel,
      EventTracing tracing,
      @Value("${lockstep.planner.group:lockstep-planner}") String group,
      @Value("${lockstep.planner.consume:true}") boolean enabled) {
    this.consumers = consumers;
    this.publisher = publisher;
    this.settings = settings;
    this.codec = codec;
    this.core = core;
    this.readModel = readModel;
    this.tracing = tracing;
    this.group = group;
    this.enabled = enabled;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    if (!enabled) {
      return;
    }
    core.lookUpReleasesIn(readModel::release);
    consumer =
        consumers.start(
            ConsumerSpec.of(group, Topics.REQUESTS, Topics.EXECUTION)
                .withRetryBackoff(Duration.ofMillis(500), ConsumerSpec.DEFAULT_MAX_RETRY_BACKOFF)
                .withRebalanceListener(new Ownership()),
            this::handle);
  }

  /** Whether this instance decides for the platform: it owns the platform's partition. */
  boolean decidesFor(String platform) {
    int partitions = requestPartitionCount;
    return partitions > 0
        && owned.contains(
            Utils.toPositive(Utils.murmur2(platform.getBytes(StandardCharsets.UTF_8)))
                % partitions);
  }

  /**
   * Tracks the partitions of {@code lockstep.requests} this instance owns; when it gains one, the
   * state is rebuilt (the former owner's decisions are on the topics) and the queues of the
   * platforms it now owns move. Runs on the consumer's thread, inside its poll.
   */
  private final class Ownership implements ConsumerRebalanceListener {
    private final Set<Integer> held = new HashSet<>();

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      requestPartitions(partitions).forEach(owned::remove);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      List<Integer> lost = requestPartitions(partitions);
      lost.forEach(owned::remove);
      held.removeAll(lost);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      List<Integer> assigned = requestPartitions(partitions);
      owned.addAll(assigned);
      if (!held.containsAll(assigned)) {
        LOG.info("now deciding for the platforms of partitions {}", new TreeSet<>(owned));
        requestPartitionCount = rebuild();
        Instant began = Instant.now();
        publish(core.pumpAll(PlannerIntake.this::decidesFor), began);
      }
      // only once the decisions are out: a failure above rebuilds again on the next assignment
      held.clear();
      held.addAll(owned);
    }

    private List<Integer> requestPartitions(Collection<TopicPartition> partitions) {
      return partitions.stream()
          .filter(p -> p.topic().equals(Topics.REQUESTS))
          .map(TopicPartition::partition)
          .toList();
    }
  }

  /** The running consumer, once started. */
  public EventConsumer consumer() {
    return consumer;
  }

  void handle(EventEnvelope event) {
    Instant began = Instant.now();
    List<EventEnvelope> decisions = core.handle(event);
    if (decisions.isEmpty()) {
      return;
    }
    try {
      publish(decisions, began);
    } catch (RuntimeException e) {
      LOG.warn("publishing the decisions on event {} failed; rebuilding the state", event.id());
      rebuild();
      throw e;
    }
  }

  /**
   * Publishes decisions in order and waits for the brokers: each plan inside a span for its
   * planning, {@code plan upgrade} in the upgrade's trace, or {@code plan rollback} opening the
   * rollback's own trace with a link to the upgrade's (the context current here: the handling of
   * the event that led to it).
   */
  private void publish(List<EventEnvelope> decisions, Instant began) {
    List<CompletableFuture<EventPublisher.Sent>> sent = new ArrayList<>();
    for (EventEnvelope decision : decisions) {
      if (!(decision.data() instanceof PlanCreated created)) {
        sent.add(publisher.publish(decision));
        continue;
      }
      Plan plan = created.plan();
      try (EventTracing.Handling span =
          plan.mode() == PlanMode.ROLLBACK
              ? tracing.newTrace("plan rollback", upgradeSpan(decision), began)
              : tracing.work("plan upgrade", decision, began)) {
        span.attribute("lockstep.upgrade.id", plan.upgradeId())
            .attribute("lockstep.platform", plan.platform())
            .attribute("lockstep.mode", plan.mode().wire())
            .attribute("lockstep.release", plan.toRelease())
            .attribute("lockstep.rollback_of", plan.rollbackOf())
            .attribute("lockstep.waves", plan.waves().size())
            .attribute(
                "lockstep.steps", plan.waves().stream().mapToInt(w -> w.steps().size()).sum());
        sent.add(publisher.publish(decision));
      }
    }
    EventPublisher.awaitAll(sent);
  }

  /**
   * The span a rollback's planning links to: the handling of the event that led to it, or (when
   * planned on taking a platform over) the span its cause carried.
   */
  private SpanContext upgradeSpan(EventEnvelope decision) {
    SpanContext current = Span.current().getSpanContext();
    return current.isValid()
        ? current
        : Span.fromContext(tracing.contextOf(decision)).getSpanContext();
  }

  /** Rebuilds the state from the topics; returns the partition count of the requests topic. */
  private synchronized int rebuild() {
    StateRebuild.Result[] read = new StateRebuild.Result[1];
    core.rebuild(
        fold ->
            read[0] =
                StateRebuild.replay(
                    settings.common(),
                    group,
                    List.of(Topics.REQUESTS, Topics.EXECUTION),
                    List.of(Topics.PLANS),
                    codec,
                    fold));
    StateRebuild.Result folded = read[0];
    LOG.info("planner state rebuilt from {} events", folded.events());
    return folded.requestPartitions();
  }
}
