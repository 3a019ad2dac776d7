package dev.lockstep.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Malformed request bodies made from a valid-shaped one: not JSON at all, the wrong shape at the
 * top, a field of the wrong type, an unknown field, a NUL in a string, a huge or deeply nested
 * value. Every body it makes is one a strict API must refuse with a 4xx.
 */
final class BodyFuzzer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private BodyFuzzer() {}

  /** A malformed variant of the base body (a JSON object). */
  static String malformed(String base, Random random) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(base);
    } catch (Exception e) {
      tree = NODES.objectNode();
    }
    ObjectNode object = tree != null && tree.isObject() ? (ObjectNode) tree : NODES.objectNode();
    switch (random.nextInt(9)) {
      case 0:
        return notJson(random);
      case 1:
        return List.of("[]", "null", "42", "\"text\"", "true", "[{}]").get(random.nextInt(6));
      case 2:
        object.set("unexpected" + random.nextInt(1000), value(random, 0));
        return object.toString();
      case 3:
        if (object.isEmpty()) {
          object.put("typo", "x");
        } else {
          object.set(field(object, random), wrongType(object.get(field(object, random)), random));
        }
        return object.toString();
      case 4:
        object.put("reasn\u0000", "nul in a field name");
        return object.toString();
      case 5:
        return nulInside(object, random).toString();
      case 6:
        ArrayNode deep = NODES.arrayNode();
        ArrayNode cursor = deep;
        for (int i = 0; i < 200; i++) {
          ArrayNode next = NODES.arrayNode();
          cursor.add(next);
          cursor = next;
        }
        object.set("unexpected", deep);
        return object.toString();
      case 7:
        object.put("unexpected", "x".repeat(200_000));
        return object.toString();
      default:
        String text = object.toString();
        return text.substring(0, Math.max(1, random.nextInt(Math.max(1, text.length()))));
    }
  }

  private static String notJson(Random random) {
    List<String> garbage =
        List.of(
            "{not json",
            "<xml/>",
            "{\"a\":}",
            "\u0000\u0001\u0002",
            "kind: Release\nspec: [",
            "{\"a\":1}{\"b\":2}",
            "NaN");
    return garbage.get(random.nextInt(garbage.size()));
  }

  private static String field(ObjectNode object, Random random) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names.get(random.nextInt(names.size()));
  }

  private static JsonNode wrongType(JsonNode current, Random random) {
    if (current != null && current.isTextual()) {
      return random.nextBoolean() ? NODES.numberNode(7) : NODES.arrayNode().add("x");
    }
    if (current != null && current.isObject()) {
      return random.nextBoolean() ? NODES.textNode("an object was expected") : NODES.numberNode(1);
    }
    return NODES.objectNode().put("nested", true);
  }

  private static JsonNode value(Random random, int depth) {
    return switch (random.nextInt(depth > 2 ? 4 : 6)) {
      case 0 -> NODES.textNode("v" + random.nextInt());
      case 1 -> NODES.numberNode(random.nextDouble());
      case 2 -> NODES.booleanNode(random.nextBoolean());
      case 3 -> NODES.nullNode();
      case 4 -> NODES.arrayNode().add(value(random, depth + 1));
      default -> NODES.objectNode().set("k", value(random, depth + 1));
    };
  }

  /** The base with a NUL inside one of its strings, or in a new field when it has none. */
  private static JsonNode nulInside(ObjectNode object, Random random) {
    List<ObjectNode> holders = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    collect(object, holders, fields);
    if (holders.isEmpty()) {
      object.put("reason", "nul \u0000 inside");
      return object;
    }
    int pick = random.nextInt(holders.size());
    holders.get(pick).put(fields.get(pick), "nul \u0000 inside");
    return object;
  }

  private static void collect(JsonNode node, List<ObjectNode> holders, List<String> fields) {
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        JsonNode child = node.get(name);
        if (child.isTextual()) {
          holders.add((ObjectNode) node);
          fields.add(name);
        } else {
          collect(child, holders, fields);
        }
      }
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, holders, fields));
    }
  }
}
