package dev.lockstep.planner.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.ReleaseRef;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.ManifestFiles;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.manifest.Semver;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.runtime.http.ApiException;
import io.micronaut.http.HttpStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the API's request bodies by hand, so that every malformed body (bad JSON or YAML, wrong
 * types, missing fields) gets a 4xx with every problem and a path, never a 500.
 */
final class RequestBodies {
  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  private RequestBodies() {}

  /** The body as a JSON tree; 400 when it is not JSON. */
  static JsonNode json(String body) {
    if (body == null || body.isBlank()) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST, Codes.INVALID_REQUEST, "", "the request body is empty");
    }
    try {
      JsonNode tree = Json.mapper().readTree(body);
      if (tree == null || !tree.isObject()) {
        throw ApiException.of(
            HttpStatus.BAD_REQUEST,
            Codes.INVALID_REQUEST,
            "",
            "the request body must be a JSON object");
      }
      return tree;
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw ApiException.of(
          HttpStatus.BAD_REQUEST,
          Codes.INVALID_REQUEST,
          "",
          "the request body is not valid JSON" + where);
    }
  }

  /** A release written in YAML; 400 when it is not YAML, 422 when it is not a valid release. */
  static Release yamlRelease(String body, ManifestFiles files) {
    JsonNode tree;
    try {
      tree = YAML.readTree(body == null ? "" : body);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw ApiException.of(
          HttpStatus.BAD_REQUEST,
          Codes.INVALID_MANIFEST,
          "",
          "the manifest is not valid YAML" + where);
    }
    return release(tree, "", files);
  }

  /**
   * The release at a node, its {@code manifests} file references read and embedded; 422 with every
   * problem when it is not valid.
   */
  static Release release(JsonNode tree, String path, ManifestFiles files) {
    ReleaseParser.Result result = ReleaseParser.parse(tree, path, files);
    if (!result.ok()) {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, result.errors());
    }
    return result.release();
  }

  /** A required text field. */
  static String text(JsonNode tree, String field, List<ErrorDetail> errors) {
    JsonNode node = tree.get(field);
    if (node == null || node.isNull()) {
      errors.add(new ErrorDetail(Codes.INVALID_REQUEST, field, field + " is required"));
      return null;
    }
    if (!node.isTextual() || node.asText().isBlank()) {
      errors.add(
          new ErrorDetail(Codes.INVALID_REQUEST, field, field + " must be a non-empty string"));
      return null;
    }
    return node.asText();
  }

  /** An optional text field. */
  static String optionalText(JsonNode tree, String field, List<ErrorDetail> errors) {
    JsonNode node = tree.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      errors.add(new ErrorDetail(Codes.INVALID_REQUEST, field, field + " must be a string"));
      return null;
    }
    return node.asText();
  }

  /** An optional window. */
  static Window window(JsonNode tree, List<ErrorDetail> errors) {
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

  /** An optional catalogue reference. */
  static ReleaseRef releaseRef(JsonNode tree, List<ErrorDetail> errors) {
    JsonNode node = tree.get("releaseRef");
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()
        || !node.path("product").isTextual()
        || !node.path("version").isTextual()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_REQUEST,
              "releaseRef",
              "releaseRef must be an object with product and version strings"));
      return null;
    }
    return new ReleaseRef(node.get("product").asText(), node.get("version").asText());
  }

  /** The optional what-if inventory of a preview. */
  static List<RunningComponent> current(JsonNode tree, List<ErrorDetail> errors) {
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

  /** 422 with every problem, when there is any. */
  static void failOn(List<ErrorDetail> errors) {
    if (!errors.isEmpty()) {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, errors);
    }
  }
}
