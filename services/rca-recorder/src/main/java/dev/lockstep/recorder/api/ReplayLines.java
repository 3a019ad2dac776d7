package dev.lockstep.recorder.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventType;
import dev.lockstep.recorder.store.EventRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Turns a story's rows, in log order, into replay lines {@code {"offsetMillis": ..., "event":
 * {...}}}: the CloudEvent in structured form, as {@code .../events} gives it, written straight from
 * the row's columns with a streaming generator (the data goes as PostgreSQL's own JSON text of it,
 * never parsed nor built as a tree). One instance per paced replay: it remembers the first event's
 * time and the latest time so far; an unpaced replay writes whole chunks of lines ({@link #chunk}).
 */
final class ReplayLines {
  /** Writes several lines with one generator, each followed by a newline and nothing else. */
  private static final JsonFactory JSON = new JsonFactory().setRootValueSeparator(null);

  /** {@code dataschema} by type and version: each a URI made once, not once per line. */
  private static final ConcurrentMap<String, String> DATASCHEMAS = new ConcurrentHashMap<>();

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
      writeLine(out, row, first);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the replay line of " + row.eventId(), e);
    }
    buffer.write('\n');
    return new Line(buffer.toByteArray(), gap);
  }

  /**
   * The lines of rows of a replay whose first event happened at {@code first}, one after the other
   * in one chunk of the response; pure.
   */
  static byte[] chunk(List<EventRow> rows, Instant first) {
    ByteArrayOutputStream chunk = new ByteArrayOutputStream(rows.size() * 640);
    try (JsonGenerator out = JSON.createGenerator(chunk)) {
      for (EventRow row : rows) {
        writeLine(out, row, first);
        out.writeRaw('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write replay lines", e);
    }
    return chunk.toByteArray();
  }

  private static void writeLine(JsonGenerator out, EventRow row, Instant first) throws IOException {
    out.writeStartObject();
    out.writeNumberField(
        "offsetMillis", Math.max(0, Duration.between(first, row.time()).toMillis()));
    out.writeFieldName("event");
    writeCloudEvent(out, row);
    out.writeEndObject();
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
        "dataschema",
        DATASCHEMAS.computeIfAbsent(
            row.type() + "/" + row.schemaVersion(),
            key -> EventType.dataschema(row.type(), row.schemaVersion()).toString()));
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
    out.writeRawValue(row.dataJson());
    out.writeEndObject();
  }
}
