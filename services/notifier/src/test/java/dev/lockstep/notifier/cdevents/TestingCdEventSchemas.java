package dev.lockstep.notifier.cdevents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.lockstep.events.Json;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CDEvents 0.4.1 JSON schemas, vendored under {@code src/test/resources/cdevents/0.4.1} from
 * the specification, with their {@code links/} references resolved from the same folder: every
 * CDEvent the notifier produces must validate against the schema of its type.
 */
public final class TestingCdEventSchemas {
  private static final String ID_BASE = "https://cdevents.dev/0.4.1/schema/";
  private static final String FOLDER = "classpath:cdevents/0.4.1/";

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          builder ->
              builder.schemaMappers(
                  mappers ->
                      mappers.mappings(
                          iri -> iri.startsWith(ID_BASE + "links/"),
                          iri -> FOLDER + iri.substring(ID_BASE.length()) + ".json")));
  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
  private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

  private TestingCdEventSchemas() {}

  /**
   * The problems of a CDEvent against the schema of its {@code context.type}; empty when it is
   * valid. A type without a vendored schema is a problem too.
   */
  public static List<String> problems(String json) {
    JsonNode event;
    try {
      event = Json.mapper().readTree(json);
    } catch (JsonProcessingException e) {
      return List.of("not JSON: " + e.getOriginalMessage());
    }
    String type = event.path("context").path("type").asText();
    // dev.cdevents.<subject>.<predicate>.<version> -> <subject><predicate>.json
    String[] parts = type.split("\\.");
    if (parts.length < 4 || !type.startsWith("dev.cdevents.")) {
      return List.of("not a CDEvents type: '" + type + "'");
    }
    String file = parts[2] + parts[3] + ".json";
    JsonSchema schema =
        SCHEMAS.computeIfAbsent(
            file, f -> FACTORY.getSchema(SchemaLocation.of(FOLDER + f), CONFIG));
    Set<ValidationMessage> messages = schema.validate(event);
    return messages.stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
