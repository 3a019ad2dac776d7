package dev.lockstep.notifier.subscription;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a subscription document from an API body strictly, before anything is changed: the body is
 * one JSON object; {@code channels} and {@code subscriptions} are required lists; a channel needs
 * {@code name} and {@code type}, a subscription {@code team}; every property is a known one of the
 * right type (no {@code null}); no string or key contains a NUL character; no key appears twice.
 * Every problem is reported with its path, not only the first. A pure function of the body.
 */
public final class StrictDocumentReader {
  private static final ObjectMapper MAPPER =
      Json.newMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final Set<String> SEVERITIES = Set.of("info", "warning", "critical");

  /**
   * What reading found: the document when there was no problem, else every problem.
   *
   * @param document the document, or null when {@code errors} is not empty
   * @param errors every problem, with its path
   */
  public record Result(SubscriptionConfig document, List<ErrorDetail> errors) {}

  private enum Kind {
    STRING,
    STRINGS,
    STRING_MAP,
    SEVERITY
  }

  private final List<ErrorDetail> errors = new ArrayList<>();

  private StrictDocumentReader() {}

  /** Reads a body (null or blank is a problem like any other). */
  public static Result read(String body) {
    StrictDocumentReader reader = new StrictDocumentReader();
    JsonNode root;
    try {
      root = body == null || body.isBlank() ? null : MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      return new Result(
          null,
          List.of(
              new ErrorDetail(
                  "invalid-json", "", "the body is not valid JSON: " + e.getOriginalMessage())));
    }
    if (root == null || !root.isObject()) {
      return new Result(
          null,
          List.of(
              new ErrorDetail(
                  "invalid-subscription",
                  "",
                  "the body must be a subscription document: an object with the lists channels"
                      + " and subscriptions")));
    }
    reader.document(root);
    if (!reader.errors.isEmpty()) {
      return new Result(null, List.copyOf(reader.errors));
    }
    try {
      return new Result(MAPPER.treeToValue(root, SubscriptionConfig.class), List.of());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      // every shape was checked above; this is a last line of defence
      return new Result(
          null,
          List.of(
              new ErrorDetail(
                  "invalid-subscription", "", "the body is not a subscription document")));
    }
  }

  private void document(JsonNode root) {
    properties(root, "", Set.of("channels", "subscriptions"), Set.of("channels", "subscriptions"));
    list(root.get("channels"), "channels", this::channel);
    list(root.get("subscriptions"), "subscriptions", this::subscription);
  }

  private void channel(JsonNode channel, String path) {
    if (!object(channel, path)) {
      return;
    }
    properties(
        channel, path, Set.of("name", "type", "settings", "secretRefs"), Set.of("name", "type"));
    value(channel, path, "name", Kind.STRING);
    value(channel, path, "type", Kind.STRING);
    value(channel, path, "settings", Kind.STRING_MAP);
    value(channel, path, "secretRefs", Kind.STRING_MAP);
  }

  private void subscription(JsonNode subscription, String path) {
    if (!object(subscription, path)) {
      return;
    }
    properties(subscription, path, Set.of("team", "filter", "channels"), Set.of("team"));
    value(subscription, path, "team", Kind.STRING);
    value(subscription, path, "channels", Kind.STRINGS);
    JsonNode filter = subscription.get("filter");
    if (filter != null) {
      String at = path + ".filter";
      if (object(filter, at)) {
        properties(
            filter,
            at,
            Set.of("platforms", "eventTypes", "minSeverity", "layers", "components"),
            Set.of());
        for (String list : List.of("platforms", "eventTypes", "layers", "components")) {
          value(filter, at, list, Kind.STRINGS);
        }
        value(filter, at, "minSeverity", Kind.SEVERITY);
      }
    }
  }

  /** Reports unknown and missing properties (and keys with NUL characters). */
  private void properties(JsonNode node, String path, Set<String> known, Set<String> required) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (name.indexOf('\0') >= 0) {
        errors.add(
            new ErrorDetail(
                "invalid-character",
                join(path, name.replace("\0", "\\u0000")),
                "a property name must not contain a NUL character"));
      } else if (!known.contains(name)) {
        errors.add(
            new ErrorDetail(
                "unknown-property",
                join(path, name),
                "unknown property '" + name + "' (expected " + String.join(", ", known) + ")"));
      }
    }
    for (String name : required) {
      if (!node.has(name)) {
        errors.add(
            new ErrorDetail("missing-property", join(path, name), "'" + name + "' is required"));
      }
    }
  }

  private interface Element {
    void read(JsonNode node, String path);
  }

  private void list(JsonNode node, String path, Element element) {
    if (node == null) {
      return;
    }
    if (!node.isArray()) {
      errors.add(new ErrorDetail("invalid-type", path, "must be a list"));
      return;
    }
    for (int i = 0; i < node.size(); i++) {
      element.read(node.get(i), path + "[" + i + "]");
    }
  }

  private boolean object(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      errors.add(new ErrorDetail("invalid-type", path, "must be an object"));
      return false;
    }
    return true;
  }

  private void value(JsonNode parent, String parentPath, String name, Kind kind) {
    JsonNode node = parent.get(name);
    if (node == null) {
      return;
    }
    String path = join(parentPath, name);
    switch (kind) {
      case STRING -> string(node, path);
      case SEVERITY -> {
        if (string(node, path) && !SEVERITIES.contains(node.asText())) {
          errors.add(
              new ErrorDetail(
                  "invalid-value", path, "minSeverity must be info, warning or critical"));
        }
      }
      case STRINGS -> list(node, path, this::string);
      case STRING_MAP -> {
        if (object(node, path)) {
          for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().indexOf('\0') >= 0) {
              errors.add(
                  new ErrorDetail(
                      "invalid-character",
                      join(path, field.getKey().replace("\0", "\\u0000")),
                      "a key must not contain a NUL character"));
            } else {
              string(field.getValue(), join(path, field.getKey()));
            }
          }
        }
      }
    }
  }

  private boolean string(JsonNode node, String path) {
    if (!node.isTextual()) {
      errors.add(new ErrorDetail("invalid-type", path, "must be a string"));
      return false;
    }
    if (node.textValue().indexOf('\0') >= 0) {
      errors.add(new ErrorDetail("invalid-character", path, "must not contain a NUL character"));
      return false;
    }
    return true;
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
