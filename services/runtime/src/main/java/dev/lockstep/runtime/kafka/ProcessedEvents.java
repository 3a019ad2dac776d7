package dev.lockstep.runtime.kafka;

/**
 * The processed-event keys (consumer group, event id) that make a consumer idempotent: a
 * redelivered event whose key is recorded is skipped. A service that keeps state in PostgreSQL
 * records the key in the same transaction as its effect; the default keeps recent keys in memory,
 * which covers redeliveries within one process.
 */
public interface ProcessedEvents {
  /** True when the consumer already handled the event. */
  boolean isProcessed(String consumer, String eventId);

  /** Records that the consumer handled the event. */
  void markProcessed(String consumer, String eventId);
}
