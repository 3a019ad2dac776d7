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
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.PreviewBodies;
import dev.lockstep.runtime.http.ApiException;
import io.micronaut.http.HttpStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the API's request bodies by hand, so that every malformed body (bad JSON or YAML, wrong
 * types, missing fields) gets a 4xx with every problem and a path, never a 500.
 */
final class RequestBodies {
  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  private RequestBodies() {}

  /**
   * The body as a JSON object whose fields are all known; 400 with every unknown field's path (a
   * typo must not be ignored silently) and every string holding a NUL character.
   */
  static JsonNode json(String body, java.util.Set<String> fields) {
    List<ErrorDetail> unknown = new ArrayList<>();
    JsonNode tree = json(body, fields, unknown);
    failOn(unknown, List.of());
    return tree;
  }

  /**
   * The body as a JSON object (400 when it is not one), with every unknown field added to {@code
   * unknown}, so that a request's other problems can be listed with them ({@link #failOn(List,
   * List)}).
   */
  static JsonNode json(String body, java.util.Set<String> fields, List<ErrorDetail> unknown) {
    JsonNode tree = json(body);
    for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!fields.contains(field)) {
        unknown.add(
            new ErrorDetail(
                Codes.INVALID_REQUEST,
                field,
                "'"
                    + field
                    + "' is not a field of this request; it takes "
                    + new java.util.TreeSet<>(fields)));
      }
    }
    return tree;
  }

  /** The body as a JSON tree; 400 when it is not JSON or holds a NUL character. */
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
      refuseNul(tree, "");
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

  /** 400 with the path of every string (or field name) that holds a NUL character. */
  static void refuseNul(JsonNode tree, String path) {
    List<ErrorDetail> errors = new ArrayList<>();
    nul(tree, path, errors);
    if (!errors.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, errors);
    }
  }

  private static void nul(JsonNode node, String path, List<ErrorDetail> errors) {
    if (node.isTextual() && node.asText().indexOf('\u0000') >= 0) {
      errors.add(
          new ErrorDetail(Codes.INVALID_REQUEST, path, "a string cannot hold a NUL character"));
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getKey().indexOf('\u0000') >= 0) {
          errors.add(
              new ErrorDetail(
                  Codes.INVALID_REQUEST, path, "a field name cannot hold a NUL character"));
        }
        nul(e.getValue(), child, errors);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        nul(node.get(i), path + "[" + i + "]", errors);
      }
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
    if (tree != null) {
      refuseNul(tree, "");
    }
    return release(tree, "", files);
  }

  /**
   * The release at a node, its {@code manifests} file references read and embedded; 422 with every
   * problem when it is not valid.
   */
  static Release release(JsonNode tree, String path, ManifestFiles files) {
    List<ErrorDetail> errors = new ArrayList<>();
    Release release = release(tree, path, files, errors);
    failOn(errors);
    return release;
  }

  /** A release in a request; null, with every problem of it added to {@code errors}, if invalid. */
  static Release release(
      JsonNode tree, String path, ManifestFiles files, List<ErrorDetail> errors) {
    ReleaseParser.Result result = ReleaseParser.parse(tree, path, files);
    if (!result.ok()) {
      errors.addAll(result.errors());
      return null;
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
    return PreviewBodies.window(tree, errors);
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
    return PreviewBodies.current(tree, errors);
  }

  /** 422 with every problem, when there is any. */
  static void failOn(List<ErrorDetail> errors) {
    if (!errors.isEmpty()) {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, errors);
    }
  }

  /**
   * Every problem of a request at once: 400 when it has unknown fields (its shape is wrong), with
   * its other problems listed after them; 422 when it has only invalid values.
   */
  static void failOn(List<ErrorDetail> unknown, List<ErrorDetail> errors) {
    if (!unknown.isEmpty()) {
      List<ErrorDetail> all = new ArrayList<>(unknown);
      all.addAll(errors);
      throw new ApiException(HttpStatus.BAD_REQUEST, all);
    }
    failOn(errors);
  }
}
