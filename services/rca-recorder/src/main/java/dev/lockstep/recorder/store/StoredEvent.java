package dev.lockstep.recorder.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventType;
import dev.lockstep.events.Json;
import java.io.UncheckedIOException;

/**
 * An event as the store gives it back: its row, the CloudEvent in structured JSON form (as the API
 * serves it) and the decoded envelope (as the projections fold it).
 *
 * @param row the stored row
 * @param envelope the event, decoded from the row
 */
public record StoredEvent(EventRow row, EventEnvelope envelope) {

  /** Decodes a stored row with the codec (schema check included). */
  public static StoredEvent of(EventRow row, EventCodec codec) {
    return new StoredEvent(row, codec.fromStructuredJson(cloudEvent(row)));
  }

  /** The CloudEvent in structured JSON form, rebuilt from the row's columns. */
  public ObjectNode cloudEvent() {
    return cloudEvent(row);
  }

  static ObjectNode cloudEvent(EventRow row) {
    ObjectNode node = Json.mapper().createObjectNode();
    node.put("specversion", "1.0");
    node.put("id", row.eventId());
    node.put("source", row.source());
    node.put("type", row.type());
    node.put("datacontenttype", EventCodec.DATA_CONTENT_TYPE);
    node.put("dataschema", EventType.dataschema(row.type(), row.schemaVersion()).toString());
    if (row.subject() != null) {
      node.put("subject", row.subject());
    }
    node.put("time", row.time().toString());
    node.put("platform", row.platform());
    if (row.causationId() != null) {
      node.put("causationid", row.causationId());
    }
    if (row.traceparent() != null) {
      node.put("traceparent", row.traceparent());
    }
    try {
      node.set("data", Json.mapper().readTree(row.dataJson()));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("stored data of " + row.eventId() + " is not JSON", e);
    }
    return node;
  }
}
