package dev.lockstep.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;

/**
 * An observed inventory ({@code inventory.observed}, as {@code GET /api/v1/platforms/{p}/inventory}
 * answers it) as a cluster file: a namespace per namespace of its workloads, labelled with the
 * platform, then each workload (Deployment, StatefulSet or DaemonSet) with its replicas, its
 * containers' images and the {@code lockstep.dev} annotations the executor's inventory reads (those
 * observed; component, layer, version, requires and release filled in from the component where the
 * workload did not carry them). Objects that are not workloads (custom resources, claims, config)
 * are not in an inventory: a rehearsal that needs them adds them.
 */
final class InventoryExport {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private InventoryExport() {}

  /** The cluster file of an observed inventory. */
  static String clusterFile(JsonNode observed) {
    String platform = observed.path("platform").asText();
    StringBuilder out = new StringBuilder();
    out.append("# Platform ")
        .append(platform)
        .append(" as the executor observed it at ")
        .append(observed.path("observedAt").asText("?"))
        .append(
            observed.hasNonNull("release") ? ", release " + observed.path("release").asText() : "")
        .append(" (lockstep inventory export).\n");
    TreeSet<String> namespaces = new TreeSet<>();
    for (JsonNode component : observed.path("components")) {
      for (JsonNode workload : component.path("workloads")) {
        namespaces.add(workload.path("namespace").asText());
      }
    }
    for (String namespace : namespaces) {
      ObjectNode ns = YAML.createObjectNode();
      ns.put("apiVersion", "v1");
      ns.put("kind", "Namespace");
      ObjectNode metadata = ns.putObject("metadata");
      metadata.put("name", namespace);
      ObjectNode labels = metadata.putObject("labels");
      labels.put("kubernetes.io/metadata.name", namespace);
      labels.put("lockstep.dev/platform", platform);
      document(out, ns);
    }
    for (JsonNode component : observed.path("components")) {
      for (JsonNode workload : component.path("workloads")) {
        document(out, workload(observed, component, workload));
      }
    }
    return out.toString();
  }

  private static ObjectNode workload(JsonNode observed, JsonNode component, JsonNode workload) {
    String kind = workload.path("kind").asText();
    String name = workload.path("name").asText();
    ObjectNode object = YAML.createObjectNode();
    object.put("apiVersion", "apps/v1");
    object.put("kind", kind);
    ObjectNode metadata = object.putObject("metadata");
    metadata.put("name", name);
    metadata.put("namespace", workload.path("namespace").asText());
    metadata.putObject("labels").put("app.kubernetes.io/name", name);
    ObjectNode annotations = metadata.putObject("annotations");
    for (Iterator<Map.Entry<String, JsonNode>> it = workload.path("annotations").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> a = it.next();
      annotations.put(a.getKey(), a.getValue().asText());
    }
    putIfAbsent(annotations, "lockstep.dev/component", component.path("name").asText());
    if (component.hasNonNull("layer")) {
      putIfAbsent(annotations, "lockstep.dev/layer", component.path("layer").asText());
    }
    putIfAbsent(annotations, "lockstep.dev/version", component.path("version").asText());
    putIfAbsent(annotations, "lockstep.dev/requires", json(component.path("requires")));
    if (observed.hasNonNull("release")) {
      putIfAbsent(annotations, "lockstep.dev/release", observed.path("release").asText());
    }
    ObjectNode spec = object.putObject("spec");
    if (kind.equals("StatefulSet")) {
      spec.put("serviceName", name);
    }
    if (!kind.equals("DaemonSet")) {
      spec.put("replicas", workload.path("replicas").asInt(1));
    }
    spec.putObject("selector").putObject("matchLabels").put("app.kubernetes.io/name", name);
    ObjectNode template = spec.putObject("template");
    template.putObject("metadata").putObject("labels").put("app.kubernetes.io/name", name);
    ArrayNode containers = template.putObject("spec").putArray("containers");
    for (Iterator<Map.Entry<String, JsonNode>> it = workload.path("images").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> image = it.next();
      containers.addObject().put("name", image.getKey()).put("image", image.getValue().asText());
    }
    return object;
  }

  private static void putIfAbsent(ObjectNode node, String key, String value) {
    if (!node.has(key)) {
      node.put(key, value);
    }
  }

  private static String json(JsonNode node) {
    return node.isMissingNode() || node.isNull() ? "{}" : node.toString();
  }

  private static void document(StringBuilder out, ObjectNode object) {
    try {
      out.append("---\n").append(YAML.writeValueAsString(object));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
