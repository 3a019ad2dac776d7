package dev.lockstep.events;

import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/** Turns a produced record into the record a consumer would see, without a broker. */
final class KafkaRecords {
  private KafkaRecords() {}

  static ConsumerRecord<String, byte[]> consumed(ProducerRecord<String, byte[]> sent) {
    return new ConsumerRecord<>(
        sent.topic(),
        0,
        42L,
        sent.timestamp() == null ? 0L : sent.timestamp(),
        TimestampType.CREATE_TIME,
        -1,
        sent.value() == null ? -1 : sent.value().length,
        sent.key(),
        sent.value(),
        new RecordHeaders(sent.headers().toArray()),
        Optional.empty());
  }
}
