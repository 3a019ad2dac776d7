package dev.lockstep.events.schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.EventType;
import dev.lockstep.events.WireEnum;
import dev.lockstep.manifest.Omittable;
import dev.lockstep.manifest.Release;
import jakarta.annotation.Nullable;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;

/**
 * Derives the JSON Schema (2020-12) of an event type's payload record, so that the checked-in
 * schema of the newest version can be compared with the code. A component is required unless it is
 * annotated {@link Nullable}; unknown properties are allowed (consumers ignore them).
 *
 * <p>A release manifest inside an event ({@link Release}) follows the manifest's own rules instead,
 * so that it reads the same over Kafka as over HTTP: a component annotated {@link Omittable} may be
 * left out, and unknown properties are refused (a typo in a release must not be ignored silently).
 */
public final class SchemaGenerator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SchemaGenerator() {}

  /** The schema of the newest version of a type. */
  public static ObjectNode schemaOf(EventType type) {
    ObjectNode root = NODES.objectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.put("$id", type.dataschema().toString());
    root.put("title", type.name() + " v" + type.version());
    root.put("description", type.summary());
    root.setAll(recordSchema(type.payload(), false));
    return root;
  }

  private static ObjectNode recordSchema(Class<?> record, boolean manifest) {
    ObjectNode schema = NODES.objectNode();
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = NODES.arrayNode();
    for (RecordComponent component : record.getRecordComponents()) {
      if (component.isAnnotationPresent(JsonIgnore.class)) {
        continue;
      }
      boolean nullable = component.isAnnotationPresent(Nullable.class);
      boolean omittable = manifest && component.isAnnotationPresent(Omittable.class);
      ObjectNode property = typeSchema(component.getGenericType(), manifest);
      if (nullable) {
        allowNull(property);
      } else if (!omittable) {
        required.add(component.getName());
      }
      properties.set(component.getName(), property);
    }
    if (!required.isEmpty()) {
      schema.set("required", required);
    }
    if (manifest) {
      schema.put("additionalProperties", false);
    }
    return schema;
  }

  private static ObjectNode typeSchema(Type type, boolean manifest) {
    if (type instanceof ParameterizedType parameterized) {
      Class<?> raw = (Class<?>) parameterized.getRawType();
      Type[] args = parameterized.getActualTypeArguments();
      if (Collection.class.isAssignableFrom(raw)) {
        ObjectNode array = NODES.objectNode().put("type", "array");
        array.set("items", typeSchema(args[0], manifest));
        return array;
      }
      if (Map.class.isAssignableFrom(raw)) {
        ObjectNode object = NODES.objectNode().put("type", "object");
        if (args[1] != Object.class && !(args[1] instanceof WildcardType)) {
          object.set("additionalProperties", typeSchema(args[1], manifest));
        }
        return object;
      }
      throw new IllegalArgumentException("unsupported generic type in an event: " + type);
    }
    Class<?> c = (Class<?>) type;
    if (c == String.class || c == URI.class) {
      return NODES.objectNode().put("type", "string");
    }
    if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
      return NODES.objectNode().put("type", "integer");
    }
    if (c == double.class || c == Double.class || c == BigDecimal.class) {
      return NODES.objectNode().put("type", "number");
    }
    if (c == boolean.class || c == Boolean.class) {
      return NODES.objectNode().put("type", "boolean");
    }
    if (c == Instant.class || c == OffsetDateTime.class) {
      return NODES.objectNode().put("type", "string").put("format", "date-time");
    }
    if (c == Duration.class) {
      return NODES.objectNode().put("type", "string").put("format", "duration");
    }
    if (c.isEnum() && WireEnum.class.isAssignableFrom(c)) {
      ObjectNode schema = NODES.objectNode().put("type", "string");
      ArrayNode values = schema.putArray("enum");
      for (Object constant : c.getEnumConstants()) {
        values.add(((WireEnum) constant).wire());
      }
      return schema;
    }
    if (c.isRecord()) {
      return recordSchema(c, manifest || c == Release.class);
    }
    if (c == Object.class) {
      return NODES.objectNode();
    }
    throw new IllegalArgumentException("unsupported type in an event: " + c.getName());
  }

  private static void allowNull(ObjectNode property) {
    if (!property.has("type")) {
      return;
    }
    String single = property.get("type").asText();
    ArrayNode types = NODES.arrayNode().add(single).add("null");
    property.set("type", types);
    if (property.has("enum")) {
      ((ArrayNode) property.get("enum")).addNull();
    }
  }
}
