package dev.lockstep.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Old versions are read by upcasting; unknown and unsupported ones fail clearly. */
class UpcasterChainTest {
  private final EventCodec codec = new EventCodec(TestPinged.catalog());

  @Test
  void aV1EventIsReadAsTheNewestVersionWithDerivedFields() {
    EventEnvelope event = codec.fromStructuredJson(golden("v1.json"));

    assertThat(event.version()).isEqualTo(2);
    assertThat(event.dataschema().toString())
        .isEqualTo("urn:lockstep:schema:dev.lockstep.test.pinged:v2");
    assertThat(event.data())
        .isEqualTo(
            new TestPinged("metis", "written by a v1 producer", "normal", List.of("target:metis")));
  }

  @Test
  void aV2EventIsReadAsItIs() {
    EventEnvelope event = codec.fromStructuredJson(golden("v2.json"));

    assertThat(event.data())
        .isEqualTo(new TestPinged("poros", null, "high", List.of("target:poros", "urgent")));
  }

  @Test
  void theUpcasterDoesNotTouchItsInput() {
    ObjectNode v1 = (ObjectNode) golden("v1.json").get("data");
    ObjectNode copy = v1.deepCopy();

    new TestPinged.V1ToV2().upcast(v1);

    assertThat(v1).isEqualTo(copy);
  }

  @Test
  void aVersionNewerThanTheConsumerKnowsIsAClearError() {
    ObjectNode event = (ObjectNode) golden("v2.json");
    event.put("dataschema", "urn:lockstep:schema:dev.lockstep.test.pinged:v3");

    assertThatThrownBy(() -> codec.fromStructuredJson(event))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining("v3 is newer than v2")
        .extracting(e -> ((EventDecodingException) e).reason())
        .isEqualTo(EventDecodingException.Reason.UNSUPPORTED_VERSION);
  }

  @Test
  void theStandardCatalogueDoesNotKnowTheTestType() {
    assertThatThrownBy(() -> EventCodec.standard().fromStructuredJson(golden("v2.json")))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining("unknown event type 'dev.lockstep.test.pinged'")
        .extracting(e -> ((EventDecodingException) e).reason())
        .isEqualTo(EventDecodingException.Reason.UNKNOWN_TYPE);
  }

  @Test
  void aCatalogueWithAGapInItsUpcasterChainIsRefused() {
    EventCatalog.Builder builder =
        EventCatalog.builder()
            .type(
                new EventType(
                    TestPinged.TYPE,
                    "lockstep.test",
                    2,
                    1,
                    TestPinged.class,
                    "tester",
                    List.of(),
                    "no upcaster"));

    assertThatThrownBy(builder::build).hasMessageContaining("no upcaster from v1");
  }

  private static JsonNode golden(String file) {
    return ContractFiles.read(ContractFiles.TEST_GOLDEN.resolve("test.pinged").resolve(file));
  }
}
