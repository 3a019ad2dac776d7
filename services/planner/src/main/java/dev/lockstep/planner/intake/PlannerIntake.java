package dev.lockstep.planner.intake;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Topics;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumer;
import dev.lockstep.runtime.kafka.EventConsumers;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.kafka.KafkaSettings;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka edge of the planner. At start it rebuilds its state from the topics (see {@link
 * StateRebuild}), writes any decision a crash left unmade, then consumes {@code lockstep.requests}
 * and {@code lockstep.execution}: each event goes to {@link PlannerCore}, and what it decides is
 * published (and acknowledged by the brokers) before the handler returns, so the offset is
 * committed only after the effect is durable. When publishing fails, the state is rebuilt from the
 * topics (it may hold decisions that never left) and the event is retried; a retried event finds
 * its effect by the state, so nothing is written twice. Error strategy: the runtime's retries, from
 * 500 ms doubling up to 30 s, for as long as it takes; only what cannot be read (or a {@code
 * PoisonEventException}) goes to the dead-letter topic.
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
  private volatile EventConsumer consumer;

  /** The intake with its group ({@code lockstep.planner.group}). */
  public PlannerIntake(
      EventConsumers consumers,
      EventPublisher publisher,
      KafkaSettings settings,
      EventCodec codec,
      PlannerCore core,
      @Value("${lockstep.planner.group:lockstep-planner}") String group,
      @Value("${lockstep.planner.consume:true}") boolean enabled) {
    this.consumers = consumers;
    this.publisher = publisher;
    this.settings = settings;
    this.codec = codec;
    this.core = core;
    this.group = group;
    this.enabled = enabled;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    if (!enabled) {
      return;
    }
    rebuild();
    publisher.publishAndWait(core.pumpAll());
    consumer =
        consumers.start(
            ConsumerSpec.of(group, Topics.REQUESTS, Topics.EXECUTION)
                .withRetryBackoff(Duration.ofMillis(500), ConsumerSpec.DEFAULT_MAX_RETRY_BACKOFF),
            this::handle);
  }

  /** The running consumer, once started. */
  public EventConsumer consumer() {
    return consumer;
  }

  void handle(EventEnvelope event) {
    List<EventEnvelope> decisions = core.handle(event);
    if (decisions.isEmpty()) {
      return;
    }
    try {
      publisher.publishAndWait(decisions);
    } catch (RuntimeException e) {
      LOG.warn("publishing the decisions on event {} failed; rebuilding the state", event.id());
      rebuild();
      throw e;
    }
  }

  private synchronized void rebuild() {
    core.reset();
    int folded =
        StateRebuild.replay(
            settings.common(),
            group,
            List.of(Topics.REQUESTS, Topics.EXECUTION),
            List.of(Topics.PLANS),
            codec,
            core::fold);
    LOG.info("planner state rebuilt from {} events", folded);
  }
}
