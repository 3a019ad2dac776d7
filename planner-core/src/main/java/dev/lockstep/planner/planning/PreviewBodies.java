package dev.lockstep.planner.planning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Semver;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.RunningComponent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parts of a plan preview request besides the release ({@code window}, {@code current}),
 * adding every problem to a list with its path. The planner's API and {@code lockstep plan
 * --offline} both read requests with it, so they refuse the same requests with the same errors.
 */
public final class PreviewBodies {
  private PreviewBodies() {}

  /** An optional window. */
  public static Window window(JsonNode tree, List<ErrorDetail> errors) {
    JsonNode node = tree.get("window");
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_REQUEST,
              "window",
              "window must be an object with notBefore and notAfter"));
      return null;
    }
    return new Window(instant(node, "notBefore", errors), instant(node, "notAfter", errors));
  }

  private static Instant instant(JsonNode window, String field, List<ErrorDetail> errors) {
    JsonNode node = window.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      return Instant.parse(node.asText());
    } catch (DateTimeParseException e) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_REQUEST,
              "window." + field,
              "window." + field + " must be an ISO-8601 instant such as 2026-11-22T02:00:00Z"));
      return null;
    }
  }

  /** The optional what-if inventory of a preview. */
  public static List<RunningComponent> current(JsonNode tree, List<ErrorDetail> errors) {
    JsonNode node = tree.get("current");
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_REQUEST, "current", "current must be an array of running components"));
      return null;
    }
    List<RunningComponent> current = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode c = node.get(i);
      String path = "current[" + i + "]";
      if (!c.isObject()) {
        errors.add(new ErrorDetail(Codes.INVALID_REQUEST, path, path + " must be an object"));
        continue;
      }
      String name = c.path("name").isTextual() ? c.get("name").asText() : null;
      if (name == null || name.isBlank()) {
        errors.add(new ErrorDetail(Codes.INVALID_REQUEST, path + ".name", path + " needs a name"));
        continue;
      }
      String version = c.path("version").isTextual() ? c.get("version").asText() : null;
      if (version == null || Semver.version(version).isEmpty()) {
        errors.add(
            new ErrorDetail(
                Codes.INVALID_VERSION,
                path + ".version",
                "running component '" + name + "' needs a semver version"));
        continue;
      }
      String layer = c.path("layer").isTextual() ? c.get("layer").asText() : null;
      Map<String, String> requires = new LinkedHashMap<>();
      JsonNode req = c.get("requires");
      if (req != null && !req.isNull()) {
        if (!req.isObject()) {
          errors.add(
              new ErrorDetail(
                  Codes.INVALID_REQUEST,
                  path + ".requires",
                  "requires must be an object of component to range"));
        } else {
          for (Iterator<Map.Entry<String, JsonNode>> it = req.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual() || Semver.range(e.getValue().asText()).isEmpty()) {
              errors.add(
                  new ErrorDetail(
                      Codes.INVALID_RANGE,
                      path + ".requires." + e.getKey(),
                      "running component '"
                          + name
                          + "' requires "
                          + e.getKey()
                          + " with something that is not an npm-style range"));
            } else {
              requires.put(e.getKey(), e.getValue().asText());
            }
          }
        }
      }
      current.add(new RunningComponent(name, layer, version, requires, List.<ObjectRef>of()));
    }
    return current;
  }
}
