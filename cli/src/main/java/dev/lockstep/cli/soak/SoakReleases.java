package dev.lockstep.cli.soak;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.lockstep.manifest.ReleaseParser;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The releases a soak submits to a platform: its sample release with every version bumped, so that
 * each upgrade of a platform has a release of its own and changes every component again.
 *
 * <p>Release {@code n} (from 1) of a sample release {@code 2.0.0} is {@code 2.0.n}; each component
 * {@code a.b.c} becomes {@code a.b.(c+n-1)}, with its image tag, migration image and {@code --to}
 * argument, and custom resource {@code set}/{@code readyWhen} values; a component of {@code
 * majorEveryRelease} (notebooks, whose sample version is a new major) gets a new major each release
 * instead, {@code (a+n-1).0.0}, so that rolling back any release that reached it is a major-version
 * rollback, which waits for an approval. {@code requires} ranges stay as they are: a patch bump
 * stays inside them, and nothing requires a component of {@code majorEveryRelease}. Components
 * delivered by a Helm chart keep their version: the chart has only the one.
 */
final class SoakReleases {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final JsonNode sample;
  private final Set<String> majorEveryRelease;

  /**
   * @param sampleYaml the platform's sample release
   * @param majorEveryRelease the components that get a new major version in every release
   */
  SoakReleases(String sampleYaml, Set<String> majorEveryRelease) {
    try {
      this.sample = YAML.readTree(sampleYaml);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the sample release is not YAML: " + e.getMessage(), e);
    }
    this.majorEveryRelease = Set.copyOf(majorEveryRelease);
  }

  /** The version of release {@code n}. */
  String version(int n) {
    return bump(sample.path("metadata").path("version").asText(), n, false);
  }

  /** The version of a component in release {@code n}, or null when the sample has no such one. */
  String componentVersion(String component, int n) {
    for (JsonNode c : sample.path("spec").path("components")) {
      if (component.equals(c.path("name").asText())) {
        return c.has("helm")
            ? c.path("version").asText()
            : bump(c.path("version").asText(), n, majorEveryRelease.contains(component));
      }
    }
    return null;
  }

  /** The image a component runs in release {@code n}, or null when it names none. */
  String image(String component, int n) {
    for (JsonNode c : sample.path("spec").path("components")) {
      if (component.equals(c.path("name").asText()) && c.hasNonNull("image")) {
        return retag(c.path("image").asText(), componentVersion(component, n));
      }
    }
    return null;
  }

  /** Release {@code n} as YAML; checked by the manifest parser. */
  String release(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("releases are numbered from 1, not " + n);
    }
    ObjectNode release = sample.deepCopy();
    ((ObjectNode) release.path("metadata")).put("version", version(n));
    ((ObjectNode) release.path("metadata"))
        .put("notes", "soak release " + version(n) + ": every component bumped");
    for (JsonNode node : release.path("spec").path("components")) {
      ObjectNode component = (ObjectNode) node;
      if (component.has("helm")) {
        continue;
      }
      String name = component.path("name").asText();
      String old = component.path("version").asText();
      String version = componentVersion(name, n);
      component.put("version", version);
      if (component.hasNonNull("image")) {
        component.put("image", retag(component.path("image").asText(), version));
      }
      if (component.path("migration").isObject()) {
        ObjectNode migration = (ObjectNode) component.path("migration");
        migration.put("image", retag(migration.path("image").asText(), version));
        if (migration.path("args").isArray()) {
          ArrayNode args = (ArrayNode) migration.path("args");
          for (int i = 0; i + 1 < args.size(); i++) {
            if ("--to".equals(args.get(i).asText())) {
              args.set(i + 1, args.textNode(version));
            }
          }
        }
      }
      if (component.path("customResource").isObject()) {
        ObjectNode resource = (ObjectNode) component.path("customResource");
        replaceValues(resource.path("set"), old, version);
        replaceValues(resource.path("readyWhen"), old, version);
      }
    }
    String yaml;
    try {
      yaml = YAML.writeValueAsString(release);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write release " + version(n), e);
    }
    ReleaseParser.Result parsed = ReleaseParser.parseYaml(yaml);
    if (!parsed.ok()) {
      throw new IllegalStateException(
          "soak release " + version(n) + " is not a valid release: " + parsed.errors());
    }
    return yaml;
  }

  /** Each component's version in release {@code n}, in release order. */
  Map<String, String> versions(int n) {
    Map<String, String> versions = new LinkedHashMap<>();
    for (JsonNode c : sample.path("spec").path("components")) {
      String name = c.path("name").asText();
      versions.put(name, componentVersion(name, n));
    }
    return versions;
  }

  private static void replaceValues(JsonNode fields, String old, String version) {
    if (!fields.isObject()) {
      return;
    }
    ObjectNode object = (ObjectNode) fields;
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (old.equals(object.path(name).asText(null))) {
        object.put(name, version);
      }
    }
  }

  /** {@code a.b.c} with patch {@code c+n-1}, or with major {@code a+n-1} and {@code .0.0}. */
  static String bump(String version, int n, boolean major) {
    String[] parts = version.split("\\.");
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a version a.b.c: " + version);
    }
    int step = n - 1;
    if (major) {
      return (Integer.parseInt(parts[0]) + step) + ".0.0";
    }
    String patch = parts[2].replaceAll("[^0-9].*$", "");
    return parts[0] + "." + parts[1] + "." + (Integer.parseInt(patch) + step);
  }

  /**
   * The image with its tag replaced: {@code registry/name:1.5.0} to {@code registry/name:1.5.3}.
   */
  static String retag(String image, String version) {
    int colon = image.lastIndexOf(':');
    int slash = image.lastIndexOf('/');
    String repository = colon > slash ? image.substring(0, colon) : image;
    return repository + ":" + version;
  }
}
