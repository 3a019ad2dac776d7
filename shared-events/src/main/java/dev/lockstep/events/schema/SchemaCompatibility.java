package dev.lockstep.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks that a newer schema version keeps every field of the previous one with the same type, so
 * that data written to the old version still reads after upcasting. Like
 * flink-kubernetes-operator's CRD compatibility check, it runs over every checked-in version at
 * build time.
 */
public final class SchemaCompatibility {
  private SchemaCompatibility() {}

  /**
   * Every incompatibility of {@code newer} with {@code older}, one line each with the JSON path;
   * empty when compatible. Removed fields, changed types and removed enum values are incompatible;
   * new fields and new enum values are not.
   */
  public static List<String> incompatibilities(JsonNode older, JsonNode newer) {
    List<String> problems = new ArrayList<>();
    compare("$", older, newer, problems);
    return problems;
  }

  private static void compare(String path, JsonNode older, JsonNode newer, List<String> out) {
    Set<String> oldTypes = types(older);
    Set<String> newTypes = types(newer);
    if (!oldTypes.isEmpty() && !newTypes.isEmpty() && !oldTypes.equals(newTypes)) {
      out.add(path + ": type changed from " + oldTypes + " to " + newTypes);
      return;
    }
    if (older.has("enum") && newer.has("enum")) {
      Set<String> kept = new TreeSet<>();
      newer.get("enum").forEach(v -> kept.add(v.asText()));
      older
          .get("enum")
          .forEach(
              v -> {
                if (!kept.contains(v.asText())) {
                  out.add(path + ": enum value '" + v.asText() + "' removed");
                }
              });
    }
    JsonNode oldProperties = older.path("properties");
    JsonNode newProperties = newer.path("properties");
    for (Iterator<Map.Entry<String, JsonNode>> it = oldProperties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String fieldPath = path + "." + field.getKey();
      JsonNode replacement = newProperties.get(field.getKey());
      if (replacement == null) {
        out.add(fieldPath + ": field removed");
      } else {
        compare(fieldPath, field.getValue(), replacement, out);
      }
    }
    if (older.has("items") && newer.has("items")) {
      compare(path + "[]", older.get("items"), newer.get("items"), out);
    }
    if (older.path("additionalProperties").isObject()
        && newer.path("additionalProperties").isObject()) {
      compare(
          path + ".*", older.get("additionalProperties"), newer.get("additionalProperties"), out);
    }
  }

  private static Set<String> types(JsonNode schema) {
    Set<String> types = new TreeSet<>();
    JsonNode type = schema.get("type");
    if (type == null) {
      return types;
    }
    if (type.isArray()) {
      type.forEach(t -> types.add(t.asText()));
    } else {
      types.add(type.asText());
    }
    types.remove("null");
    return types;
  }
}
