package dev.lockstep.recorder.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventType;
import dev.lockstep.recorder.store.EventRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Turns a story's rows, in log order, into replay lines {@code {"offsetMillis": ..., "event":
 * {...}}}: the CloudEvent in structured form, exactly as {@code .../events} gives it, written
 * straight from the row's columns with a streaming generator (the data is copied token by token,
 * never built as a tree). One instance per replay: it remembers the first event's time and the
 * latest time so far.
 */
final class ReplayLines {
  private static final JsonFactory JSON = new JsonFactory();

  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
  private Instant first;
  private Instant latest;

  /**
   * One line of a replay and the gap before it.
   *
   * @param bytes the line, newline included, in UTF-8
   * @param gap how long after the latest earlier event this one happened (zero when not later)
   */
  record Line(byte[] bytes, Duration gap) {}

  /** The next row's line. */
  Line next(EventRow row) {
    Instant at = row.time();
    if (first == null) {
      first = at;
      latest = at;
    }
    Duration gap = at.isAfter(latest) ? Duration.between(latest, at) : Duration.ZERO;
    latest = at.isAfter(latest) ? at : latest;
    buffer.reset();
    try (JsonGenerator out = JSON.createGenerator(buffer)) {
      out.writeStartObject();
      out.writeNumberField("offsetMillis", Math.max(0, Duration.between(first, at).toMillis()));
      out.writeFieldName("event");
      writeCloudEvent(out, row);
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the replay line of " + row.eventId(), e);
    }
    buffer.write('\n');
    return new Line(buffer.toByteArray(), gap);
  }

  /** Lines joined into one chunk of the response. */
  static byte[] join(List<Line> lines) {
    int size = 0;
    for (Line line : lines) {
      size += line.bytes().length;
    }
    byte[] chunk = new byte[size];
    int at = 0;
    for (Line line : lines) {
      System.arraycopy(line.bytes(), 0, chunk, at, line.bytes().length);
      at += line.bytes().length;
    }
    return chunk;
  }

  /** The fields of {@code StoredEvent#cloudEvent}, in its order. */
  private static void writeCloudEvent(JsonGenerator out, EventRow row) throws IOException {
    out.writeStartObject();
    out.writeStringField("specversion", "1.0");
    out.writeStringField("id", row.eventId());
    out.writeStringField("source", row.source());
    out.writeStringField("type", row.type());
    out.writeStringField("datacontenttype", EventCodec.DATA_CONTENT_TYPE);
    out.writeStringField(
        "dataschema", EventType.dataschema(row.type(), row.schemaVersion()).toString());
    if (row.subject() != null) {
      out.writeStringField("subject", row.subject());
    }
    out.writeStringField("time", row.time().toString());
    out.writeStringField("platform", row.platform());
    if (row.causationId() != null) {
      out.writeStringField("causationid", row.causationId());
    }
    if (row.traceparent() != null) {
      out.writeStringField("traceparent", row.traceparent());
    }
    out.writeFieldName("data");
    try (JsonParser data = JSON.createParser(row.dataJson())) {
      data.nextToken();
      out.copyCurrentStructure(data);
    }
    out.writeEndObject();
  }
}
