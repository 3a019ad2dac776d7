package dev.lockstep.bench;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How long the codec takes to write and to read (schema check and upcasting included) the largest
 * event, a {@code plan.created}, in Kafka binary mode. Every consumer pays the read once per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventCodecBenchmark {
  private final EventCodec codec = new EventCodec(EventCatalog.standard());
  private EventEnvelope plan;
  private ConsumerRecord<String, byte[]> record;

  @Setup
  public void setUp() throws IOException {
    try (InputStream in = EventCodecBenchmark.class.getResourceAsStream("/plan.created.json")) {
      plan = codec.fromStructuredJson(Json.mapper().readTree(in));
    }
    ProducerRecord<String, byte[]> sent = codec.toRecord(plan);
    record =
        new ConsumerRecord<>(
            sent.topic(),
            0,
            0L,
            0L,
            TimestampType.CREATE_TIME,
            -1,
            sent.value().length,
            sent.key(),
            sent.value(),
            new RecordHeaders(sent.headers().toArray()),
            java.util.Optional.empty());
  }

  /** Writes a plan as a Kafka record. */
  @Benchmark
  public ProducerRecord<String, byte[]> encodePlan() {
    return codec.toRecord(plan);
  }

  /** Reads a plan from a Kafka record. */
  @Benchmark
  public EventEnvelope decodePlan() {
    return codec.fromRecord(record);
  }

  /** Runs the benchmark and prints the figures. */
  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(EventCodecBenchmark.class.getSimpleName()).build())
        .run();
  }
}
