package dev.lockstep.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.upcast.StepStartedV1ToV2;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code step.started} v2 carries the before-states read before acting; an event of a v1 producer
 * still reads, upcast to v2 with no before-states, on Kafka as in JSON.
 */
class StepStartedVersionsTest {
  private static final EventCodec CODEC = EventCodec.standard();

  @Test
  void producersWriteV2() {
    EventType type = CODEC.catalog().typeOf(StepStarted.class);

    assertThat(type.version()).isEqualTo(2);
    assertThat(type.oldestSupported()).isEqualTo(1);
    assertThat(type.dataschema().toString())
        .isEqualTo("urn:lockstep:schema:dev.lockstep.step.started:v2");
  }

  @Test
  void aV1EventIsReadAsV2WithNoBeforeStates() {
    EventEnvelope event = CODEC.fromStructuredJson(golden("v1.json"));

    assertThat(event.version()).isEqualTo(2);
    assertThat(event.data())
        .isEqualTo(
            new StepStarted(
                SampleEvents.UPGRADE, "s-1-3", 1, "metis", StepAction.SET_IMAGE, 1, List.of()));
  }

  @Test
  void aV1EventFromKafkaIsReadAsV2() throws Exception {
    JsonNode v1 = golden("v1.json");
    ProducerRecord<String, byte[]> asWritten = CODEC.toRecord(CODEC.fromStructuredJson(v1));
    // What a v1 producer sent: the v1 data under a v1 dataschema header.
    asWritten.headers().remove("ce_dataschema");
    asWritten
        .headers()
        .add("ce_dataschema", v1.get("dataschema").asText().getBytes(StandardCharsets.UTF_8));
    ProducerRecord<String, byte[]> sentByV1 =
        new ProducerRecord<>(
            asWritten.topic(),
            null,
            asWritten.timestamp(),
            asWritten.key(),
            Json.mapper().writeValueAsBytes(v1.get("data")),
            asWritten.headers());

    EventEnvelope event = CODEC.fromRecord(KafkaRecords.consumed(sentByV1));

    assertThat(event.version()).isEqualTo(2);
    assertThat(event.data())
        .isEqualTo(
            new StepStarted(
                SampleEvents.UPGRADE, "s-1-3", 1, "metis", StepAction.SET_IMAGE, 1, List.of()));
  }

  @Test
  void aV2EventCarriesTheBeforeStatesOfItsIntent() {
    EventEnvelope event = CODEC.fromStructuredJson(golden("v2.json"));

    StepStarted started = (StepStarted) event.data();
    assertThat(started.before()).hasSize(1);
    ObjectState metis = started.before().get(0);
    assertThat(metis.name()).isEqualTo("metis");
    assertThat(metis.images()).containsEntry("metis", "registry.example.com/metis:2.3.1");
    assertThat(metis.replicas()).isEqualTo(2);
  }

  @Test
  void theUpcasterDoesNotTouchItsInputAndAddsAnEmptyBefore() {
    ObjectNode v1 = (ObjectNode) golden("v1.json").get("data");
    ObjectNode copy = v1.deepCopy();

    ObjectNode v2 = new StepStartedV1ToV2().upcast(v1);

    assertThat(v1).isEqualTo(copy);
    assertThat(v2.get("before").isArray()).isTrue();
    assertThat(v2.get("before")).isEmpty();
    assertThat(v2.get("stepId").asText()).isEqualTo("s-1-3");
  }

  private static JsonNode golden(String file) {
    return ContractFiles.read(ContractFiles.GOLDEN.resolve("step.started").resolve(file));
  }
}
