package dev.lockstep.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import java.util.List;

/**
 * Reads a release manifest from YAML or from a JSON tree and reports every problem at once, each
 * with a code, a path into the input and a message that names what is involved. It checks what a
 * manifest says on its own; what depends on a platform (running versions, namespaces, whether an
 * order exists, what a chart renders) is the planner's.
 *
 * <p>A component's {@code manifests} may be written as a list of objects, as a string of YAML
 * documents, or as {@code { file: path }}, read through {@link ManifestFiles}; the release read
 * always holds the list of objects, so that whatever is made from it is self-contained.
 */
public final class ReleaseParser {
  /** The manifest is not of the expected shape. */
  public static final String INVALID_MANIFEST = "invalid-manifest";

  /** A version is not semver. */
  public static final String INVALID_VERSION = "invalid-version";

  /** A requirement is not an npm-style range. */
  public static final String INVALID_RANGE = "invalid-range";

  /** Two components share a name. */
  public static final String DUPLICATE_COMPONENT = "duplicate-component";

  /** A component names a layer the release does not list. */
  public static final String UNKNOWN_LAYER = "unknown-layer";

  /** A component requires a component the release does not have. */
  public static final String UNKNOWN_DEPENDENCY = "unknown-dependency";

  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  private ReleaseParser() {}

  /** The outcome of a parse: a release, or every problem found. */
  public record Result(Release release, List<ErrorDetail> errors) {
    public Result {
      errors = List.copyOf(errors);
    }

    /** True when the manifest is valid. */
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  /**
   * Parses a manifest written in YAML; paths start at the document root. A {@code manifests: {
   * file: ... }} reference is an error: this reader reads no files.
   */
  public static Result parseYaml(String yaml) {
    return parseYaml(yaml, ManifestFiles.NONE);
  }

  /** Parses a manifest written in YAML, reading {@code manifests} file references from files. */
  public static Result parseYaml(String yaml, ManifestFiles files) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml == null ? "" : yaml);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      return new Result(
          null,
          List.of(
              new ErrorDetail(
                  INVALID_MANIFEST,
                  "",
                  "the manifest is not valid YAML" + where + ": " + e.getOriginalMessage())));
    }
    return parse(tree, "", files);
  }

  /**
   * Parses a manifest given as a tree (a JSON body, or a YAML document already read). Every path in
   * the errors starts with {@code basePath} ({@code release} for a request body).
   */
  public static Result parse(JsonNode tree, String basePath) {
    return parse(tree, basePath, ManifestFiles.NONE);
  }

  /**
   * Parses a manifest given as a tree, reading {@code manifests} file references from files. The
   * tree is not changed.
   */
  public static Result parse(JsonNode tree, String basePath, ManifestFiles files) {
    tree = tree == null ? null : tree.deepCopy();
    ReleaseChecker c = new ReleaseChecker(basePath, files);
    c.check(tree);
    if (!c.errors.isEmpty()) {
      return new Result(null, c.errors);
    }
    try {
      return new Result(Json.mapper().treeToValue(tree, Release.class), List.of());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return new Result(
          null,
          List.of(
              new ErrorDetail(
                  INVALID_MANIFEST,
                  basePath,
                  "the manifest cannot be read: "
                      + e.getMessage().lines().findFirst().orElse(""))));
    }
  }
}
