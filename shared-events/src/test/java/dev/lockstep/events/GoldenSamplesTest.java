package dev.lockstep.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden samples: every version of every type has one, each must read forever, a sample of the
 * newest version must be written back exactly as it is, and a sample of an older version is read
 * (upcast) as the newest. The {@code fail_*.json} negatives must be refused with a clear reason.
 */
class GoldenSamplesTest {
  private static final EventCodec CODEC = EventCodec.standard();

  @Test
  void everyVersionOfEveryTypeHasAGoldenSample() {
    List<EventPayload> payloads = SampleEvents.payloads();
    for (int i = 0; i < payloads.size(); i++) {
      EventEnvelope event = SampleEvents.envelope(CODEC.catalog(), payloads.get(i), i);
      EventType type = CODEC.catalog().typeOf(event.data().getClass());
      ContractFiles.writeIfMissing(sample(type, type.version()), CODEC.toStructuredJson(event));
    }
    List<String> missing = new ArrayList<>();
    for (EventType type : CODEC.catalog().types()) {
      for (int v = type.oldestSupported(); v <= type.version(); v++) {
        if (!Files.exists(sample(type, v))) {
          missing.add(sample(type, v).toString());
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  static Stream<Path> goldenSamples() {
    return ContractFiles.jsonFiles(ContractFiles.GOLDEN).stream()
        .filter(p -> !p.getFileName().toString().startsWith("fail_"));
  }

  static Stream<Path> newestGoldenSamples() {
    return goldenSamples().filter(GoldenSamplesTest::ofTheNewestVersion);
  }

  static Stream<Path> olderGoldenSamples() {
    return goldenSamples().filter(p -> !ofTheNewestVersion(p));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("newestGoldenSamples")
  void aGoldenSampleReadsAndWritesBackUnchanged(Path file) {
    JsonNode golden = ContractFiles.read(file);

    EventEnvelope event = CODEC.fromStructuredJson(golden);

    assertThat(event.type()).isEqualTo(golden.get("type").asText());
    assertThat(CODEC.toStructuredJson(event)).isEqualTo(golden);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("olderGoldenSamples")
  void aGoldenSampleOfAnOlderVersionReadsAsTheNewestAndWritesTheNewest(Path file) {
    JsonNode golden = ContractFiles.read(file);
    EventType type = CODEC.catalog().find(golden.get("type").asText()).orElseThrow();

    EventEnvelope event = CODEC.fromStructuredJson(golden);

    assertThat(event.id()).isEqualTo(golden.get("id").asText());
    assertThat(event.version()).isEqualTo(type.version());
    assertThat(event.dataschema()).isEqualTo(type.dataschema());
    assertThat(event.data()).isInstanceOf(type.payload());
    assertThat(CODEC.fromStructuredJson(CODEC.toStructuredJson(event))).isEqualTo(event);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenSamples")
  void aGoldenSampleSurvivesKafkaBinaryMode(Path file) {
    EventEnvelope event = CODEC.fromStructuredJson(ContractFiles.read(file));

    EventEnvelope back = CODEC.fromRecord(KafkaRecords.consumed(CODEC.toRecord(event)));

    assertThat(back).isEqualTo(event);
  }

  static Stream<Path> negativeSamples() {
    return ContractFiles.jsonFiles(ContractFiles.GOLDEN).stream()
        .filter(p -> p.getFileName().toString().startsWith("fail_"));
  }

  @Test
  void thereAreNegativeSamples() {
    assertThat(negativeSamples().count()).isGreaterThanOrEqualTo(8);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("negativeSamples")
  void aNegativeSampleIsRefusedWithAClearReason(Path file) {
    JsonNode negative = ContractFiles.read(file);
    EventDecodingException.Reason reason =
        EventDecodingException.Reason.valueOf(negative.get("expectedReason").asText());
    String message = negative.get("expectedMessage").asText();

    assertThatThrownBy(() -> CODEC.fromStructuredJson(negative.get("event")))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((EventDecodingException) e).reason())
        .isEqualTo(reason);
  }

  private static boolean ofTheNewestVersion(Path file) {
    JsonNode golden = ContractFiles.read(file);
    String typeName = golden.get("type").asText();
    EventType type = CODEC.catalog().find(typeName).orElseThrow();
    return EventType.versionOf(typeName, golden.get("dataschema").asText()) == type.version();
  }

  private static Path sample(EventType type, int version) {
    return ContractFiles.GOLDEN.resolve(type.shortName()).resolve("v" + version + ".json");
  }
}
