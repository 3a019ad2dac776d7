package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventEnvelope;

/**
 * An event with where it was read from, for handlers that record the log position.
 *
 * @param event the event, upcast to the newest version
 * @param topic its topic
 * @param partition its partition
 * @param offset its offset
 */
public record ConsumedEvent(EventEnvelope event, String topic, int partition, long offset) {}
