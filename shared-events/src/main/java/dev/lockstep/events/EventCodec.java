package dev.lockstep.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.ValidationMessage;
import dev.lockstep.events.EventDecodingException.Reason;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.kafka.KafkaMessageFactory;
import io.cloudevents.rw.CloudEventRWException;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Reads and writes Lockstep events. On Kafka: CloudEvents binary content mode ({@code ce_*}
 * headers, JSON data, the platform as key). As JSON: the CloudEvents structured form, used by
 * golden samples and by APIs that list events.
 *
 * <p>Reading checks the data against the checked-in schema of its version, upcasts it to the newest
 * version and builds the payload record. Anything that cannot be read ends as an {@link
 * EventDecodingException} that says why; never another exception.
 */
public final class EventCodec {
  /** The content type of the data. */
  public static final String DATA_CONTENT_TYPE = "application/json";

  static final String EXT_PLATFORM = "platform";
  static final String EXT_CAUSATION = "causationid";
  static final String EXT_TRACEPARENT = "traceparent";

  private static final EventCodec STANDARD = new EventCodec(EventCatalog.standard());

  private final EventCatalog catalog;
  private final ObjectMapper mapper = Json.mapper();

  public EventCodec(EventCatalog catalog) {
    this.catalog = catalog;
  }

  /** The codec of the standard catalogue. */
  public static EventCodec standard() {
    return STANDARD;
  }

  /** The catalogue this codec reads and writes. */
  public EventCatalog catalog() {
    return catalog;
  }

  /** The Kafka record of an event, for the topic of its type, keyed by platform. */
  public ProducerRecord<String, byte[]> toRecord(EventEnvelope event) {
    EventType type = requireType(event.type());
    return KafkaMessageFactory.createWriter(
            type.topic(), null, event.time().toEpochMilli(), event.platform())
        .writeBinary(toCloudEvent(event));
  }

  /**
   * Reads an event from a Kafka record in binary content mode; its key must be its platform ({@link
   * Reason#INCONSISTENT_ENVELOPE} otherwise).
   */
  public EventEnvelope fromRecord(ConsumerRecord<?, byte[]> record) {
    EventEnvelope event = fromKafka(record.headers(), record.value());
    Object key = record.key();
    if (key != null && !event.platform().equals(key.toString())) {
      throw new EventDecodingException(
          Reason.INCONSISTENT_ENVELOPE,
          "the record's key '"
              + key
              + "' is not the event's platform '"
              + event.platform()
              + "' (the key must be the platform, so that a platform's events stay in order)");
    }
    return event;
  }

  /** Reads an event from Kafka headers and value in binary content mode. */
  public EventEnvelope fromKafka(Headers headers, @Nullable byte[] value) {
    CloudEvent event;
    try {
      event = KafkaMessageFactory.createReader(headers, value).toEvent();
    } catch (CloudEventRWException | IllegalStateException | IllegalArgumentException e) {
      throw new EventDecodingException(
          Reason.MALFORMED_ENVELOPE, "not a CloudEvent in binary mode: " + e.getMessage());
    }
    byte[] data = event.getData() == null ? null : event.getData().toBytes();
    return decode(
        new Attributes(
            event.getId(),
            event.getSource() == null ? null : event.getSource().toString(),
            event.getType(),
            event.getDataSchema() == null ? null : event.getDataSchema().toString(),
            event.getSubject(),
            event.getTime() == null ? null : event.getTime().toInstant(),
            stringExtension(event, EXT_PLATFORM),
            stringExtension(event, EXT_CAUSATION),
            stringExtension(event, EXT_TRACEPARENT)),
        data);
  }

  /** The event as a CloudEvent of the Java SDK. */
  public CloudEvent toCloudEvent(EventEnvelope event) {
    CloudEventBuilder builder =
        CloudEventBuilder.v1()
            .withId(event.id())
            .withSource(event.source())
            .withType(event.type())
            .withDataSchema(event.dataschema())
            .withTime(event.time().atOffset(ZoneOffset.UTC))
            .withDataContentType(DATA_CONTENT_TYPE)
            .withExtension(EXT_PLATFORM, event.platform())
            .withData(encodeData(event.data()));
    if (event.subject() != null) {
      builder.withSubject(event.subject());
    }
    if (event.causationId() != null) {
      builder.withExtension(EXT_CAUSATION, event.causationId());
    }
    if (event.traceparent() != null) {
      builder.withExtension(EXT_TRACEPARENT, event.traceparent());
    }
    return builder.build();
  }

  /** The CloudEvents structured JSON form of an event. */
  public ObjectNode toStructuredJson(EventEnvelope event) {
    ObjectNode node = mapper.createObjectNode();
    node.put("specversion", "1.0");
    node.put("id", event.id());
    node.put("source", event.source().toString());
    node.put("type", event.type());
    node.put("datacontenttype", DATA_CONTENT_TYPE);
    node.put("dataschema", event.dataschema().toString());
    if (event.subject() != null) {
      node.put("subject", event.subject());
    }
    node.put("time", event.time().toString());
    node.put(EXT_PLATFORM, event.platform());
    if (event.causationId() != null) {
      node.put(EXT_CAUSATION, event.causationId());
    }
    if (event.traceparent() != null) {
      node.put(EXT_TRACEPARENT, event.traceparent());
    }
    node.set("data", mapper.valueToTree(event.data()));
    return node;
  }

  /** Reads an event from its CloudEvents structured JSON form. */
  public EventEnvelope fromStructuredJson(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new EventDecodingException(Reason.MALFORMED_ENVELOPE, "an event must be an object");
    }
    if (!"1.0".equals(text(node, "specversion"))) {
      throw new EventDecodingException(
          Reason.MALFORMED_ENVELOPE,
          "specversion must be 1.0, not '" + text(node, "specversion") + "'");
    }
    Instant time;
    try {
      String raw = text(node, "time");
      time = raw == null ? null : OffsetDateTime.parse(raw).toInstant();
    } catch (DateTimeParseException e) {
      throw new EventDecodingException(
          Reason.MALFORMED_ENVELOPE, "time is not an RFC 3339 timestamp: " + text(node, "time"));
    }
    JsonNode data = node.get("data");
    byte[] bytes;
    try {
      bytes = data == null ? null : mapper.writeValueAsBytes(data);
    } catch (JsonProcessingException e) {
      throw new EventDecodingException(Reason.INVALID_DATA, "data cannot be written as JSON");
    }
    return decode(
        new Attributes(
            text(node, "id"),
            text(node, "source"),
            text(node, "type"),
            text(node, "dataschema"),
            text(node, "subject"),
            time,
            text(node, EXT_PLATFORM),
            text(node, EXT_CAUSATION),
            text(node, EXT_TRACEPARENT)),
        bytes);
  }

  /** The JSON data of a payload. */
  public byte[] encodeData(EventPayload payload) {
    try {
      return mapper.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + payload.getClass().getName(), e);
    }
  }

  /**
   * Reads the data of one version of a type: checks it against that version's schema, upcasts it to
   * the newest version and builds the payload.
   */
  public EventPayload decodeData(String typeName, int version, @Nullable byte[] data) {
    EventType type =
        catalog
            .find(typeName)
            .orElseThrow(
                () ->
                    new EventDecodingException(
                        Reason.UNKNOWN_TYPE, "unknown event type '" + typeName + "'"));
    if (version > type.version()) {
      throw new EventDecodingException(
          Reason.UNSUPPORTED_VERSION,
          typeName
              + " v"
              + version
              + " is newer than v"
              + type.version()
              + ", the newest this consumer reads: upgrade the consumer");
    }
    if (version < type.oldestSupported()) {
      throw new EventDecodingException(
          Reason.UNSUPPORTED_VERSION,
          typeName
              + " v"
              + version
              + " is no longer supported; the oldest supported version is v"
              + type.oldestSupported());
    }
    if (data == null || data.length == 0) {
      throw new EventDecodingException(Reason.INVALID_DATA, typeName + " has no data");
    }
    JsonNode tree;
    try {
      tree = mapper.readTree(data);
    } catch (IOException e) {
      throw new EventDecodingException(
          Reason.INVALID_DATA, "data of " + typeName + " is not valid JSON: " + firstLine(e));
    }
    if (tree == null || !tree.isObject()) {
      throw new EventDecodingException(
          Reason.INVALID_DATA, "data of " + typeName + " must be a JSON object");
    }
    Set<ValidationMessage> problems = catalog.schema(type, version).validate(tree);
    if (!problems.isEmpty()) {
      List<String> messages =
          problems.stream()
              .map(ValidationMessage::getMessage)
              .sorted(Comparator.naturalOrder())
              .toList();
      throw new EventDecodingException(
          Reason.INVALID_DATA,
          "data of " + typeName + " v" + version + " does not match its schema",
          messages,
          null);
    }
    ObjectNode current = (ObjectNode) tree;
    for (int v = version; v < type.version(); v++) {
      int from = v;
      Upcaster upcaster =
          catalog
              .upcaster(typeName, from)
              .orElseThrow(() -> new IllegalStateException("no upcaster from v" + from));
      current = upcaster.upcast(current);
    }
    try {
      return mapper.treeToValue(current, type.payload());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new EventDecodingException(
          Reason.INVALID_DATA, "data of " + typeName + " cannot be read: " + firstLine(e));
    }
  }

  private EventEnvelope decode(Attributes a, @Nullable byte[] data) {
    if (blank(a.id)) {
      throw malformed("id is missing");
    }
    if (blank(a.type)) {
      throw malformed("type is missing");
    }
    if (blank(a.source)) {
      throw malformed("source is missing");
    }
    if (a.time == null) {
      throw malformed("time is missing");
    }
    if (blank(a.platform)) {
      throw malformed("the platform extension is missing");
    }
    if (catalog.find(a.type).isEmpty()) {
      throw new EventDecodingException(Reason.UNKNOWN_TYPE, "unknown event type '" + a.type + "'");
    }
    int version = EventType.versionOf(a.type, a.dataschema);
    URI source;
    try {
      source = URI.create(a.source);
    } catch (IllegalArgumentException e) {
      throw malformed("source is not a URI reference: " + a.source);
    }
    EventPayload payload = decodeData(a.type, version, data);
    requireConsistent(a, payload);
    return new EventEnvelope(
        a.id,
        source,
        a.type,
        catalog.find(a.type).orElseThrow().version(),
        a.subject,
        a.time,
        a.platform,
        a.causationId,
        a.traceparent,
        payload);
  }

  /**
   * The one rule by which every consumer decides whose event it is: the subject is the data's
   * upgrade id and the platform extension is the data's platform, wherever the data names them (at
   * its top, or in the plan it carries). An event where they disagree is refused, never guessed at.
   */
  private void requireConsistent(Attributes a, EventPayload payload) {
    String upgradeId = PayloadIds.upgradeId(payload);
    String platform = PayloadIds.platform(payload);
    if (upgradeId != null && !upgradeId.equals(a.subject)) {
      throw new EventDecodingException(
          Reason.INCONSISTENT_ENVELOPE,
          "the subject '"
              + a.subject
              + "' is not the upgrade id of the data '"
              + upgradeId
              + "' (ce_subject must equal data.upgradeId)");
    }
    if (platform != null && !platform.equals(a.platform)) {
      throw new EventDecodingException(
          Reason.INCONSISTENT_ENVELOPE,
          "the platform extension '"
              + a.platform
              + "' is not the platform of the data '"
              + platform
              + "' (ce_platform must equal data.platform)");
    }
  }

  /**
   * The upgrade id a payload names, at its top or in the plan it carries; null when it names none.
   * An event's subject must be this.
   */
  @Nullable
  public static String namedUpgradeId(EventPayload payload) {
    return PayloadIds.upgradeId(payload);
  }

  private EventType requireType(String name) {
    return catalog
        .find(name)
        .orElseThrow(() -> new IllegalArgumentException("unknown event type '" + name + "'"));
  }

  private static EventDecodingException malformed(String message) {
    return new EventDecodingException(Reason.MALFORMED_ENVELOPE, message);
  }

  private static String stringExtension(CloudEvent event, String name) {
    Object value = event.getExtension(name);
    return value == null ? null : value.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private record Attributes(
      String id,
      String source,
      String type,
      String dataschema,
      String subject,
      Instant time,
      String platform,
      String causationId,
      String traceparent) {}
}
