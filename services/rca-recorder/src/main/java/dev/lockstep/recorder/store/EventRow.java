package dev.lockstep.recorder.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.runtime.tracing.EventTracing;
import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One row of the event table: where the event was read (topic, partition, offset), its CloudEvent
 * attributes as columns, and its data (upcast to the newest version) as JSON.
 *
 * @param eventId the CloudEvent id; unique in the table
 * @param topic the Kafka topic it was read from
 * @param partition its partition
 * @param offset its offset there
 * @param type the wire type
 * @param schemaVersion the version of {@code dataJson}
 * @param source the producing service
 * @param platform the platform (the Kafka key)
 * @param subject the CloudEvent subject
 * @param upgradeId the upgrade it belongs to: the subject, else the data's {@code upgradeId}
 * @param rollbackOf for a rollback's events, the upgrade it rolls back
 * @param time when the producer wrote it
 * @param traceId the trace id of its {@code traceparent}
 * @param traceparent the W3C trace context
 * @param causationId the event that caused it
 * @param dataJson the data as JSON text
 */
public record EventRow(
    String eventId,
    String topic,
    int partition,
    long offset,
    String type,
    int schemaVersion,
    String source,
    String platform,
    @Nullable String subject,
    @Nullable String upgradeId,
    @Nullable String rollbackOf,
    Instant time,
    @Nullable String traceId,
    @Nullable String traceparent,
    @Nullable String causationId,
    String dataJson) {

  /** The row of an event read from a topic, partition and offset. */
  public static EventRow of(
      String topic, int partition, long offset, EventEnvelope event, EventCodec codec) {
    ObjectNode structured = codec.toStructuredJson(event);
    JsonNode data = structured.get("data");
    String upgradeId = event.subject() != null ? event.subject() : text(data, "upgradeId");
    String rollbackOf = text(data, "rollbackOf");
    JsonNode plan = data == null ? null : data.get("plan");
    if (plan != null) {
      upgradeId = upgradeId != null ? upgradeId : text(plan, "upgradeId");
      rollbackOf = rollbackOf != null ? rollbackOf : text(plan, "rollbackOf");
    }
    return new EventRow(
        event.id(),
        topic,
        partition,
        offset,
        event.type(),
        event.version(),
        event.source().toString(),
        event.platform(),
        event.subject(),
        upgradeId,
        rollbackOf,
        event.time(),
        EventTracing.traceId(event.traceparent()),
        event.traceparent(),
        event.causationId(),
        data == null ? "null" : data.toString());
  }

  private static String text(JsonNode node, String field) {
    if (node == null || !node.hasNonNull(field) || !node.get(field).isTextual()) {
      return null;
    }
    return node.get(field).asText();
  }
}
