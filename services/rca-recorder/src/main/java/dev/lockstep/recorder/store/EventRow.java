package dev.lockstep.recorder.store;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.runtime.tracing.EventTracing;
import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
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
 * @param time when the producer wrote it, as the table keeps it (to the microsecond)
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

  /**
   * The row of an event read from a topic, partition and offset. The upgrade and rollback ids are
   * read from the payload record's components of those names (at its top, else in the plan it
   * carries), as its JSON data holds them; the data is written once, as text.
   */
  public static EventRow of(
      String topic, int partition, long offset, EventEnvelope event, EventCodec codec) {
    EventPayload data = event.data();
    String upgradeId =
        event.subject() != null ? event.subject() : PayloadFields.text(data, "upgradeId");
    String rollbackOf = PayloadFields.text(data, "rollbackOf");
    Object plan = PayloadFields.value(data, "plan");
    if (plan != null) {
      upgradeId = upgradeId != null ? upgradeId : PayloadFields.text(plan, "upgradeId");
      rollbackOf = rollbackOf != null ? rollbackOf : PayloadFields.text(plan, "rollbackOf");
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
        storedTime(event.time()),
        EventTracing.traceId(event.traceparent()),
        event.traceparent(),
        event.causationId(),
        new String(codec.encodeData(data), StandardCharsets.UTF_8));
  }

  /**
   * A time as a {@code timestamptz} column keeps it: PostgreSQL reads the fraction of a second as a
   * double and rounds it to the microsecond ({@code rint}, half to even), as done here; a time
   * written so is stored unchanged. Pure.
   */
  public static Instant storedTime(Instant time) {
    int nanos = time.getNano();
    if (nanos % 1000 == 0) {
      return time;
    }
    // nanos / 1e9 is the double nearest the fraction, as strtod reads its nine digits.
    long micros = (long) Math.rint(nanos / 1e9 * 1_000_000);
    return Instant.ofEpochSecond(time.getEpochSecond()).plusNanos(micros * 1000);
  }
}
