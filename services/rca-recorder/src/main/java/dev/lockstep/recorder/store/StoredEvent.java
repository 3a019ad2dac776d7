package dev.lockstep.recorder.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.EventType;
import dev.lockstep.events.Json;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * An event as the store gives it back: its row, the CloudEvent in structured JSON form (as the API
 * serves it) and the decoded envelope (as the projections fold it).
 *
 * @param row the stored row
 * @param envelope the event, decoded from the row
 */
public record StoredEvent(EventRow row, EventEnvelope envelope) {

  /**
   * Decodes a stored row. Every row was checked against its schema (and upcast to the newest
   * version) when it was recorded, and a released schema never changes: a row of its type's newest
   * version is read straight into the payload record; an older one (stored before its type had a
   * newer version) goes through the codec, which checks it and upcasts it.
   *
   * @throws EventDecodingException when the row cannot be read (its type unknown, its data not of
   *     its type)
   */
  public static StoredEvent of(EventRow row, EventCodec codec) {
    EventType type = codec.catalog().find(row.type()).orElse(null);
    if (type == null || type.version() != row.schemaVersion()) {
      return new StoredEvent(row, codec.fromStructuredJson(cloudEvent(row)));
    }
    EventPayload payload;
    URI source;
    try {
      payload = Json.mapper().readValue(row.dataJson(), type.payload());
      source = URI.create(row.source());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new EventDecodingException(
          EventDecodingException.Reason.INVALID_DATA,
          "stored data of " + row.type() + " " + row.eventId() + " cannot be read: " + e);
    }
    return new StoredEvent(
        row,
        new EventEnvelope(
            row.eventId(),
            source,
            row.type(),
            type.version(),
            row.subject(),
            row.time(),
            row.platform(),
            row.causationId(),
            row.traceparent(),
            payload));
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
