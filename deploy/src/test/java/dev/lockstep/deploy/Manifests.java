package dev.lockstep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Reads the deployment files and renders the chart with the real Helm engine. */
final class Manifests {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path CHART = ROOT.resolve("deploy/helm/lockstep");
  static final List<String> SERVICES =
      List.of("planner", "executor", "validator", "notifier", "rca-recorder");
  static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  private Manifests() {}

  /** The chart rendered with its default values and the given changes. */
  static List<JsonNode> render(UnaryOperator<TemplateCommand> values) {
    String rendered =
        values
            .apply(new Helm(CHART).template().withName("lockstep").withNamespace("lockstep"))
            .call();
    return documents(rendered);
  }

  /** The chart rendered with these values (YAML) over its defaults. */
  static List<JsonNode> render(String valuesYaml) {
    return render(t -> t.withValuesFile(valuesFile(valuesYaml)));
  }

  /** A values file with the given YAML, for values that --set cannot express (maps, lists). */
  static Path valuesFile(String yaml) {
    try {
      Path file = Files.createTempFile("values", ".yaml");
      Files.writeString(file, yaml);
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<JsonNode> documents(String yaml) {
    try {
      List<JsonNode> docs = new ArrayList<>();
      for (JsonNode doc : YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll()) {
        if (doc != null && !doc.isNull() && !doc.isMissingNode() && doc.size() > 0) {
          docs.add(doc);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode read(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<JsonNode> readAll(Path file) {
    try {
      return documents(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  static JsonNode named(List<JsonNode> docs, String kind, String name) {
    return ofKind(docs, kind).stream()
        .filter(d -> name.equals(d.path("metadata").path("name").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
  }

  /** The HTTP port a service configures for itself in its application.yml. */
  static int configuredPort(String service) {
    return read(ROOT.resolve("services/" + service + "/src/main/resources/application.yml"))
        .path("micronaut")
        .path("server")
        .path("port")
        .asInt();
  }

  /** Topics listed in deploy/kafka/topics.txt with their partitions and retention. */
  static Map<String, String[]> topicsFile() {
    try {
      Map<String, String[]> topics = new LinkedHashMap<>();
      for (String line : Files.readAllLines(ROOT.resolve("deploy/kafka/topics.txt"))) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] fields = line.trim().split("\\s+");
        topics.put(fields[0], fields);
      }
      return topics;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A comma-separated annotation as a set. */
  static Set<String> csv(String value) {
    Set<String> set = new LinkedHashSet<>();
    Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(set::add);
    return set;
  }
}
