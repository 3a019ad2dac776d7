package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventEnvelope;

/**
 * What a service does with one event. When it returns, its effect must be durable: the consumer
 * commits the offset after it. It must be idempotent by event id (a crash before the commit
 * delivers the event again), and it must not wait for slow things (rollouts, gates): record the
 * wait and return.
 */
@FunctionalInterface
public interface EventHandler {
  /** Handles one event; an exception makes the consumer retry, then dead-letter it. */
  void handle(EventEnvelope event) throws Exception;
}
