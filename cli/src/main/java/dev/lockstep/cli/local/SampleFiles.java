package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.ErrorDetail;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reading the files of the {@link SamplePlatform}: each problem becomes an {@link
 * IllegalArgumentException} that names the file, so a broken sample says what to fix.
 */
final class SampleFiles {

  private static final YAMLMapper YAML = new YAMLMapper();

  /** YAML as people write it: no document marker, quotes only where a value needs them. */
  private static final YAMLMapper PLAIN_YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build();

  private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

  private SampleFiles() {}

  /** The file's text; a clear error when it is missing. */
  static String read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "the sample platform has no " + file.getFileName() + " (looked for " + file + ")");
    }
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * A release text with a variant file merged into it: objects key by key; in a list, an item with
   * the {@code name} of one there is merged into it and any other item is added; anything else is
   * replaced. Written back as plain YAML (comments do not survive).
   */
  static String merge(String releaseYaml, Path variantFile) {
    try {
      JsonNode release = YAML.readTree(releaseYaml);
      JsonNode variant = YAML.readTree(read(variantFile));
      if (!(release instanceof ObjectNode target) || !variant.isObject()) {
        throw new IllegalArgumentException(variantFile + " is not a YAML object");
      }
      mergeInto(target, variant);
      return PLAIN_YAML.writeValueAsString(target);
    } catch (IOException e) {
      throw new IllegalArgumentException(variantFile + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  private static void mergeInto(ObjectNode target, JsonNode variant) {
    variant
        .fields()
        .forEachRemaining(
            field -> {
              JsonNode have = target.get(field.getKey());
              JsonNode add = field.getValue();
              if (have instanceof ObjectNode object && add.isObject()) {
                mergeInto(object, add);
              } else if (have instanceof ArrayNode list && add.isArray()) {
                for (JsonNode item : add) {
                  JsonNode same = named(list, item.path("name").asText(null));
                  if (same instanceof ObjectNode object && item.isObject()) {
                    mergeInto(object, item);
                  } else {
                    list.add(item);
                  }
                }
              } else {
                target.set(field.getKey(), add);
              }
            });
  }

  private static JsonNode named(ArrayNode list, String name) {
    for (JsonNode item : list) {
      if (name != null && name.equals(item.path("name").asText(null))) {
        return item;
      }
    }
    return null;
  }

  /** A YAML tree as plain YAML, as people write it. */
  static String yaml(JsonNode tree) {
    try {
      return PLAIN_YAML.writeValueAsString(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Kubernetes objects of a multi-document YAML text, in file order; at least one. */
  static List<HasMetadata> parseObjects(Path file, String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      int index = 0;
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        index++;
        if (document == null || document.isNull() || document.isMissingNode()) {
          continue;
        }
        if (!document.isObject()
            || !document.path("apiVersion").isTextual()
            || !document.path("kind").isTextual()
            || !document.path("metadata").path("name").isTextual()) {
          throw new IllegalArgumentException(
              file
                  + ": document "
                  + index
                  + " is not a Kubernetes object (apiVersion, kind, name)");
        }
        KubernetesResource resource = KUBERNETES.convertValue(document, KubernetesResource.class);
        if (!(resource instanceof HasMetadata object)) {
          throw new IllegalArgumentException(
              file + ": document " + index + " is not a Kubernetes object");
        }
        objects.add(object);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid YAML: " + e.getMessage(), e);
    }
    if (objects.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no Kubernetes object");
    }
    return List.copyOf(objects);
  }

  /** The team names of a subscription document, each once. */
  static List<String> teams(Path file) {
    JsonNode document;
    try {
      document = YAML.readTree(read(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid YAML: " + e.getMessage(), e);
    }
    Set<String> teams = new LinkedHashSet<>();
    for (JsonNode subscription : document.path("subscriptions")) {
      if (subscription.path("team").isTextual()) {
        teams.add(subscription.path("team").asText());
      }
    }
    if (teams.isEmpty()) {
      throw new IllegalArgumentException(file + " subscribes no team");
    }
    return List.copyOf(teams);
  }

  /** One problem of the release file, for an error message. */
  static String describe(ErrorDetail error) {
    return error.path() + ": " + error.message() + " (" + error.code() + ")";
  }
}
