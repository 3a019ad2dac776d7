package dev.lockstep.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.v1.StepStarted;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Binary content mode on Kafka: headers, key, topic, and what a malformed record produces. */
class KafkaCodecTest {
  private final EventCodec codec = EventCodec.standard();

  @Test
  void everyTypeRoundTripsThroughKafkaBinaryMode() {
    List<EventPayload> payloads = SampleEvents.payloads();
    assertThat(payloads.stream().map(p -> codec.catalog().typeOf(p.getClass())).distinct())
        .hasSameSizeAs(codec.catalog().types());
    for (int i = 0; i < payloads.size(); i++) {
      EventEnvelope event = SampleEvents.envelope(codec.catalog(), payloads.get(i), i);
      ProducerRecord<String, byte[]> record = codec.toRecord(event);

      assertThat(record.topic())
          .isEqualTo(codec.catalog().typeOf(payloads.get(i).getClass()).topic());
      assertThat(record.key()).isEqualTo(SampleEvents.PLATFORM);
      assertThat(codec.fromRecord(KafkaRecords.consumed(record))).isEqualTo(event);
    }
  }

  @Test
  void theEnvelopeTravelsInCeHeaders() {
    EventEnvelope event =
        SampleEvents.envelope(
            codec.catalog(),
            new StepStarted(
                SampleEvents.UPGRADE,
                "s-0-1",
                0,
                "postgres",
                dev.lockstep.events.v1.StepAction.BACKUP,
                1),
            3);

    Map<String, String> headers = headers(codec.toRecord(event));

    assertThat(headers)
        .containsEntry("ce_specversion", "1.0")
        .containsEntry("ce_id", event.id())
        .containsEntry("ce_type", "dev.lockstep.step.started")
        .containsEntry("ce_source", "urn:lockstep:executor")
        .containsEntry("ce_dataschema", "urn:lockstep:schema:dev.lockstep.step.started:v2")
        .containsEntry("ce_subject", SampleEvents.UPGRADE)
        .containsEntry("ce_platform", SampleEvents.PLATFORM)
        .containsEntry("ce_causationid", "5f3c2a10-0000-4000-8000-000000000002")
        .containsEntry("ce_traceparent", SampleEvents.TRACEPARENT)
        .containsEntry("content-type", "application/json")
        .containsKey("ce_time");
  }

  @Test
  void aRecordWithoutCloudEventsHeadersIsAMalformedEnvelope() {
    ConsumerRecord<String, byte[]> record =
        record(new RecordHeaders(), "{\"hello\":1}".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> codec.fromRecord(record))
        .isInstanceOf(EventDecodingException.class)
        .extracting(e -> ((EventDecodingException) e).reason())
        .isEqualTo(EventDecodingException.Reason.MALFORMED_ENVELOPE);
  }

  @Test
  void dataThatIsNotJsonIsInvalidData() {
    EventEnvelope event = SampleEvents.envelope(codec.catalog(), SampleEvents.payloads().get(1), 1);
    ProducerRecord<String, byte[]> sent = codec.toRecord(event);
    ConsumerRecord<String, byte[]> broken =
        record(
            new RecordHeaders(sent.headers().toArray()),
            "{not json".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> codec.fromRecord(broken))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining("is not valid JSON")
        .extracting(e -> ((EventDecodingException) e).reason())
        .isEqualTo(EventDecodingException.Reason.INVALID_DATA);
  }

  /**
   * One rule for every consumer: a record keyed by another platform than its own is refused, so a
   * malformed producer cannot put a platform's events out of order or into another's partition.
   */
  @Test
  void aRecordKeyedByAnotherPlatformIsAnInconsistentEnvelope() {
    EventEnvelope event = SampleEvents.envelope(codec.catalog(), SampleEvents.payloads().get(1), 1);
    ProducerRecord<String, byte[]> sent = codec.toRecord(event);
    ConsumerRecord<String, byte[]> misrouted =
        new ConsumerRecord<>(
            sent.topic(),
            0,
            0L,
            0L,
            TimestampType.CREATE_TIME,
            -1,
            -1,
            "another-platform",
            sent.value(),
            new RecordHeaders(sent.headers().toArray()),
            Optional.empty());

    assertThatThrownBy(() -> codec.fromRecord(misrouted))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining("is not the event's platform")
        .extracting(e -> ((EventDecodingException) e).reason())
        .isEqualTo(EventDecodingException.Reason.INCONSISTENT_ENVELOPE);
  }

  private static Map<String, String> headers(ProducerRecord<String, byte[]> record) {
    Map<String, String> headers = new HashMap<>();
    for (Header header : record.headers()) {
      headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
    }
    return headers;
  }

  private static ConsumerRecord<String, byte[]> record(RecordHeaders headers, byte[] value) {
    return new ConsumerRecord<>(
        "lockstep.execution",
        0,
        7L,
        0L,
        TimestampType.CREATE_TIME,
        -1,
        value.length,
        "dataos-prod",
        value,
        headers,
        Optional.empty());
  }
}
