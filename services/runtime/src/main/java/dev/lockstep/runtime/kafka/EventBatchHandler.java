package dev.lockstep.runtime.kafka;

import java.util.List;

/**
 * What a service does with every readable event of one poll, for services whose writes pay to batch
 * (the recorder). When it returns, the effect of every event is durable: the consumer then
 * dead-letters what it could not read and commits. When it throws, nothing is committed and the
 * same records are read again after a pause, for as long as it takes: a batch handler fails on its
 * own infrastructure, not on one event. It must be idempotent by event id.
 */
@FunctionalInterface
public interface EventBatchHandler {
  /** Handles the events of one poll, in the order read per partition. */
  void handle(List<ConsumedEvent> events) throws Exception;
}
