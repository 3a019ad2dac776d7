package dev.lockstep.events;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.annotation.Nullable;
import java.util.List;

/**
 * {@code test.pinged} v2, a test-only type with a v1 and a v2: v2 adds a required priority and
 * labels, which the upcaster derives from a v1 payload.
 */
record TestPinged(String target, @Nullable String note, String priority, List<String> labels)
    implements EventPayload {
  static final String TYPE = "dev.lockstep.test.pinged";

  /** The catalogue of the standard types plus this one, with its upcaster. */
  static EventCatalog catalog() {
    return EventCatalog.standardBuilder()
        .type(
            new EventType(
                TYPE,
                "lockstep.test",
                2,
                1,
                TestPinged.class,
                "tester",
                List.of("tester"),
                "A test type with two versions, to prove the upcaster chain."))
        .upcaster(new V1ToV2())
        .build();
  }

  /** v1 to v2: priority {@code normal}, and the target as the one label. */
  static final class V1ToV2 implements Upcaster {
    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public int fromVersion() {
      return 1;
    }

    @Override
    public ObjectNode upcast(ObjectNode data) {
      ObjectNode next = data.deepCopy();
      next.put("priority", "normal");
      ArrayNode labels = next.putArray("labels");
      labels.add("target:" + data.path("target").asText());
      return next;
    }
  }
}
