package dev.lockstep.manifest;

import static dev.lockstep.manifest.ReleaseParser.INVALID_MANIFEST;
import static dev.lockstep.manifest.ReleaseParser.INVALID_VERSION;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.ErrorDetail;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What every part of a manifest check shares: the base path, the list of problems found, and the
 * readers of one node (an object, a list, a string, a version, a duration, an object reference)
 * that report a problem with its full path instead of throwing.
 */
abstract class ManifestNodes {
  private static final Set<String> OBJECT_REF = Set.of("apiVersion", "kind", "namespace", "name");

  final String base;
  final List<ErrorDetail> errors;

  ManifestNodes(String base, List<ErrorDetail> errors) {
    this.base = base;
    this.errors = errors;
  }

  void objectRef(JsonNode ref, String path, boolean namespaced) {
    if (!object(ref, path)) {
      return;
    }
    unknown(ref, path, OBJECT_REF);
    string(ref, path, "kind", true);
    string(ref, path, "name", true);
    string(ref, path, "namespace", namespaced);
    string(ref, path, "apiVersion", false);
  }

  void version(JsonNode node, String path, String field, String who) {
    String version = string(node, path, field, true);
    if (version != null && Semver.version(version).isEmpty()) {
      error(
          INVALID_VERSION,
          join(path, field),
          who + " has version '" + version + "', which is not semver (MAJOR.MINOR.PATCH)");
    }
  }

  void duration(JsonNode node, String path, String field) {
    JsonNode value = node.get(field);
    if (value != null && (!value.isTextual() || GoDuration.parse(value.asText()).isEmpty())) {
      error(
          INVALID_MANIFEST,
          join(path, field),
          field + " '" + value.asText() + "' is not a duration such as 30s, 5m or 1h30m");
    }
  }

  void stringList(JsonNode list, String path) {
    if (list == null || !array(list, path)) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      if (!list.get(i).isValueNode() || list.get(i).isNull()) {
        error(INVALID_MANIFEST, path + "[" + i + "]", "expected a string");
      }
    }
  }

  String string(JsonNode node, String path, String field, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        error(INVALID_MANIFEST, join(path, field), field + " is required");
      }
      return null;
    }
    if (!value.isValueNode()) {
      error(INVALID_MANIFEST, join(path, field), field + " must be a string");
      return null;
    }
    if (value.asText().isBlank() && required) {
      error(INVALID_MANIFEST, join(path, field), field + " must not be empty");
      return null;
    }
    return value.asText();
  }

  boolean require(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      error(INVALID_MANIFEST, path, last(path) + " is required");
      return false;
    }
    return true;
  }

  boolean object(JsonNode node, String path) {
    if (!node.isObject()) {
      error(INVALID_MANIFEST, path, "expected an object" + found(node));
      return false;
    }
    return true;
  }

  boolean array(JsonNode node, String path) {
    if (!node.isArray()) {
      error(INVALID_MANIFEST, path, "expected a list" + found(node));
      return false;
    }
    return true;
  }

  void unknown(JsonNode node, String path, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        error(
            INVALID_MANIFEST,
            join(path, field),
            "unknown field '" + field + "'; expected one of " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  void error(String code, String path, String message) {
    errors.add(new ErrorDetail(code, full(path), message));
  }

  String full(String path) {
    if (base.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? base : base + "." + path;
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  static String last(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path : path.substring(dot + 1);
  }

  static String found(JsonNode node) {
    return ", found " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
