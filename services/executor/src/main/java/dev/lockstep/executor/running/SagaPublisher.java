package dev.lockstep.executor.running;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.executor.inventory.InventoryReader;
import dev.lockstep.runtime.kafka.EventPublisher;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the executor says: a saga's events (each folded back into its saga once Kafka has
 * acknowledged it) and the platforms' {@code inventory.observed}. Only for owned platforms whose
 * Lease is valid, checked just before each send.
 *
 * <p>A saga event's id is derived from what it describes (the upgrade, the type, and a key such as
 * the step and attempt), so publishing it again after a failure, a time-out that hid a successful
 * write, or a crash, gives the same event: every consumer skips it by id and the recorder stores it
 * once.
 */
final class SagaPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(SagaPublisher.class);
  static final String SERVICE = "executor";

  private final EventPublisher publisher;
  private final EventCatalog catalog;
  private final Clock clock;
  private final InventoryReader inventory;
  private final Ownership ownership;
  private final UpgradeMetrics metrics;

  SagaPublisher(
      EventPublisher publisher,
      EventCatalog catalog,
      Clock clock,
      InventoryReader inventory,
      Ownership ownership,
      UpgradeMetrics metrics) {
    this.publisher = publisher;
    this.catalog = catalog;
    this.clock = clock;
    this.inventory = inventory;
    this.ownership = ownership;
    this.metrics = metrics;
  }

  /**
   * Publishes an event of the session's upgrade, waits for the acknowledgement and folds it into
   * the saga; throws {@link Stopped} when the platform is no longer this instance's.
   *
   * @param key what tells the event apart from the upgrade's other events of its type (a step id
   *     and attempt, a gate id and ask); empty for events an upgrade has once
   */
  void publish(Session session, EventPayload payload, String key) {
    EventEnvelope created =
        EventEnvelope.create(
            catalog,
            SERVICE,
            session.platform,
            session.upgradeId,
            payload,
            session.causes.of(session, payload),
            clock);
    EventEnvelope event =
        created.withId(EventEnvelope.derivedId(SERVICE, session.upgradeId, created.type(), key));
    ownership.require(session.platform);
    EventEnvelope sent = publisher.publishAndWait(event).event();
    session.saga.apply(sent);
    session.causes.published(sent);
    metrics.published(session, sent);
  }

  /** Publishes the platform's inventory, if it is owned; a failure is logged. */
  void observe(String platform, EventEnvelope cause) {
    if (!ownership.mayAct(platform)) {
      return;
    }
    try {
      EventEnvelope event =
          EventEnvelope.create(
              catalog, SERVICE, platform, null, inventory.observe(platform), cause, clock);
      publisher.publishAndWait(event);
    } catch (RuntimeException e) {
      LOG.warn("could not observe the inventory of {}: {}", platform, e.toString());
    }
  }
}
