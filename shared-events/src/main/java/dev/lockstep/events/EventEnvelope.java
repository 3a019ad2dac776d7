package dev.lockstep.events;

import jakarta.annotation.Nullable;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A Lockstep event: the CloudEvents 1.0 attributes, the Lockstep extensions and the payload.
 *
 * @param id unique per event; consumers deduplicate by it
 * @param source the producing service, {@code urn:lockstep:<service>}
 * @param type the wire type ({@code dev.lockstep.upgrade.requested})
 * @param version the schema version of the payload (the newest, once read)
 * @param subject the upgrade id the event belongs to, when it belongs to one
 * @param time when the producer wrote it
 * @param platform the platform id, also the Kafka key (extension {@code platform})
 * @param causationId the id of the event that caused this one (extension {@code causationid})
 * @param traceparent the W3C trace context (extension {@code traceparent})
 * @param data the payload
 */
public record EventEnvelope(
    String id,
    URI source,
    String type,
    int version,
    @Nullable String subject,
    Instant time,
    String platform,
    @Nullable String causationId,
    @Nullable String traceparent,
    EventPayload data) {

  public EventEnvelope {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(data, "data");
  }

  /** The {@code ce_dataschema} of this event. */
  public URI dataschema() {
    return EventType.dataschema(type, version);
  }

  /** The source URI of a Lockstep service. */
  public static URI sourceOf(String service) {
    return URI.create("urn:lockstep:" + service);
  }

  /**
   * A new event of the catalogue's newest version of the payload's type, with a fresh id.
   *
   * @param subject the upgrade id; null takes the payload's own upgrade id ({@link
   *     EventCodec#namedUpgradeId}), since the codec refuses an event whose subject is not it
   * @param causedBy the event that caused it, or null for an event that starts a chain
   */
  public static EventEnvelope create(
      EventCatalog catalog,
      String service,
      String platform,
      @Nullable String subject,
      EventPayload data,
      @Nullable EventEnvelope causedBy,
      Clock clock) {
    EventType type = catalog.typeOf(data.getClass());
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        sourceOf(service),
        type.name(),
        type.version(),
        subject != null ? subject : EventCodec.namedUpgradeId(data),
        clock.instant(),
        platform,
        causedBy == null ? null : causedBy.id(),
        causedBy == null ? null : causedBy.traceparent(),
        data);
  }

  /**
   * An event id derived from what the event describes (its producer, upgrade, type, and whatever
   * tells it apart from the upgrade's other events of that type: a step and attempt, a gate and
   * ask), so that an event published again after a failure or a crash is recognisably the same
   * event: consumers skip it by id and the event store keeps it once. A name-based UUID (version 3)
   * of the parts.
   */
  public static String derivedId(String... parts) {
    return UUID.nameUUIDFromBytes(
            String.join("\u001f", parts).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  /** The same event with another id (one {@link #derivedId derived} from what it describes). */
  public EventEnvelope withId(String newId) {
    return new EventEnvelope(
        newId, source, type, version, subject, time, platform, causationId, traceparent, data);
  }

  /** The same event with another trace context (set by the runtime as it publishes). */
  public EventEnvelope withTraceparent(@Nullable String newTraceparent) {
    return new EventEnvelope(
        id, source, type, version, subject, time, platform, causationId, newTraceparent, data);
  }

  /** The payload as its record class; a clear error when the event is of another type. */
  public <T extends EventPayload> T dataAs(Class<T> payloadClass) {
    if (!payloadClass.isInstance(data)) {
      throw new IllegalStateException(
          "event " + id + " of type " + type + " does not carry " + payloadClass.getSimpleName());
    }
    return payloadClass.cast(data);
  }
}
