package dev.lockstep.manifest;

import static dev.lockstep.manifest.ReleaseParser.DUPLICATE_COMPONENT;
import static dev.lockstep.manifest.ReleaseParser.INVALID_MANIFEST;
import static dev.lockstep.manifest.ReleaseParser.INVALID_RANGE;
import static dev.lockstep.manifest.ReleaseParser.UNKNOWN_DEPENDENCY;
import static dev.lockstep.manifest.ReleaseParser.UNKNOWN_LAYER;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a whole release manifest and collects every problem ({@link ReleaseParser} is its public
 * face): the top level, the layers, each component and its delivery, bundles and their objects; the
 * gates through {@link GateChecks}. It embeds {@code manifests} given as YAML text or as a file
 * reference into the tree, as the list of objects the release will hold.
 */
final class ReleaseChecker extends ManifestNodes {
  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec");
  private static final Set<String> METADATA = Set.of("name", "version", "notes");
  private static final Set<String> SPEC = Set.of("layers", "components", "gates");
  private static final Set<String> COMPONENT =
      Set.of(
          "name",
          "layer",
          "version",
          "requires",
          "workload",
          "image",
          "drain",
          "migration",
          "backup",
          "gates",
          "manifests",
          "helm",
          "customResource",
          "retries",
          "quiet");
  private static final Set<String> WORKLOAD = Set.of("kind", "namespace", "name", "container");
  private static final Set<String> MIGRATION = Set.of("image", "args", "timeout");
  private static final Set<String> BACKUP = Set.of("volumeSnapshotClass");
  private static final Set<String> HELM = Set.of("chart", "version", "values", "namespace");
  private static final Set<String> MANIFEST_FILE = Set.of("file");
  private static final Set<String> QUIET = Set.of("components", "period", "deadline");
  private static final Pattern FIELD_PATH = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
  private static final Set<String> NOT_SETTABLE = Set.of("apiVersion", "kind", "metadata");
  private static final Set<String> CUSTOM_RESOURCE =
      Set.of("apiVersion", "kind", "namespace", "name", "set", "readyWhen", "timeout");

  private final ManifestFiles files;

  /** Component path to the file its manifests were read from. */
  private final Map<String, String> sources = new HashMap<>();

  /** Component paths whose manifests could not be read (already reported). */
  private final Set<String> unreadable = new HashSet<>();

  /** Kinds that the release's own custom resource definitions declare cluster-scoped. */
  private Set<String> clusterScopedCustomKinds = Set.of();

  ReleaseChecker(String base, ManifestFiles files) {
    super(base, new ArrayList<>());
    this.files = files;
  }

  void check(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      error(INVALID_MANIFEST, "", "the manifest is empty");
      return;
    }
    if (!object(root, "")) {
      return;
    }
    unknown(root, "", TOP);
    String apiVersion = string(root, "", "apiVersion", true);
    if (apiVersion != null && !Release.API_VERSION.equals(apiVersion)) {
      error(
          INVALID_MANIFEST,
          "apiVersion",
          "apiVersion must be " + Release.API_VERSION + ", not '" + apiVersion + "'");
    }
    String kind = string(root, "", "kind", true);
    if (kind != null && !Release.KIND.equals(kind)) {
      error(INVALID_MANIFEST, "kind", "kind must be Release, not '" + kind + "'");
    }
    JsonNode metadata = root.get("metadata");
    if (require(metadata, "metadata") && object(metadata, "metadata")) {
      unknown(metadata, "metadata", METADATA);
      String name = string(metadata, "metadata", "name", true);
      if (name != null && !DNS_LABEL.matcher(name).matches()) {
        error(
            INVALID_MANIFEST,
            "metadata.name",
            "release name '" + name + "' must be lower-case letters, digits and '-'");
      }
      version(metadata, "metadata", "version", "the release");
      string(metadata, "metadata", "notes", false);
    }
    JsonNode spec = root.get("spec");
    if (!require(spec, "spec") || !object(spec, "spec")) {
      return;
    }
    unknown(spec, "spec", SPEC);
    Set<String> layers = layers(spec.get("layers"));
    JsonNode components = spec.get("components");
    if (require(components, "spec.components") && array(components, "spec.components")) {
      components(components, layers);
    }
    gates(spec.get("gates"), "spec.gates");
  }

  private Set<String> layers(JsonNode layers) {
    Set<String> names = new HashSet<>();
    if (!require(layers, "spec.layers") || !array(layers, "spec.layers")) {
      return null;
    }
    if (layers.isEmpty()) {
      error(INVALID_MANIFEST, "spec.layers", "a release needs at least one layer");
    }
    for (int i = 0; i < layers.size(); i++) {
      JsonNode layer = layers.get(i);
      String path = "spec.layers[" + i + "]";
      if (!layer.isTextual() || layer.asText().isBlank()) {
        error(INVALID_MANIFEST, path, "a layer is a non-empty name");
      } else if (!names.add(layer.asText())) {
        error(INVALID_MANIFEST, path, "layer '" + layer.asText() + "' is listed twice");
      }
    }
    return names;
  }

  private void components(JsonNode components, Set<String> layers) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < components.size(); i++) {
      JsonNode c = components.get(i);
      String name = c.path("name").isTextual() ? c.get("name").asText() : null;
      if (name != null && seen.containsKey(name)) {
        error(
            DUPLICATE_COMPONENT,
            "spec.components[" + i + "].name",
            "component '"
                + name
                + "' is declared twice (also at spec.components["
                + seen.get(name)
                + "])");
      } else if (name != null) {
        seen.put(name, i);
      }
    }
    for (int i = 0; i < components.size(); i++) {
      embedManifests(components.get(i), "spec.components[" + i + "]");
    }
    clusterScopedCustomKinds = clusterScopedCustomKinds(components);
    for (int i = 0; i < components.size(); i++) {
      component(components.get(i), "spec.components[" + i + "]", layers, seen.keySet());
    }
    Set<String> withWorkload = new HashSet<>();
    for (JsonNode c : components) {
      if (c.path("name").isTextual() && c.path("workload").isObject()) {
        withWorkload.add(c.get("name").asText());
      }
    }
    for (int i = 0; i < components.size(); i++) {
      quiet(components.get(i), "spec.components[" + i + "]", seen.keySet(), withWorkload);
    }
  }

  /**
   * A drain's {@code quiet}: known components that have a workload whose pods' logs can be read, a
   * positive period, and a deadline no shorter than the period.
   */
  private void quiet(JsonNode c, String path, Set<String> names, Set<String> withWorkload) {
    JsonNode quiet = c.path("quiet");
    String p = path + ".quiet";
    if (quiet.isMissingNode() || quiet.isNull() || !object(quiet, p)) {
      return;
    }
    String who =
        c.path("name").isTextual() ? "component '" + c.get("name").asText() + "'" : full(path);
    unknown(quiet, p, QUIET);
    JsonNode components = quiet.get("components");
    if (require(components, p + ".components") && array(components, p + ".components")) {
      if (components.isEmpty()) {
        error(INVALID_MANIFEST, p + ".components", who + " waits for quiet on no component");
      }
      for (int i = 0; i < components.size(); i++) {
        JsonNode listed = components.get(i);
        String at = p + ".components[" + i + "]";
        if (!listed.isTextual()) {
          error(INVALID_MANIFEST, at, "a component to wait on is written by its name");
        } else if (!names.contains(listed.asText())) {
          error(
              UNKNOWN_DEPENDENCY,
              at,
              who + " waits on '" + listed.asText() + "', which the release does not contain");
        } else if (!withWorkload.contains(listed.asText())) {
          error(
              INVALID_MANIFEST,
              at,
              who
                  + " waits on '"
                  + listed.asText()
                  + "', which has no workload whose pods' logs could be read");
        }
      }
    }
    string(quiet, p, "period", true);
    duration(quiet, p, "period");
    duration(quiet, p, "deadline");
    Duration period = GoDuration.parse(quiet.path("period").asText(null)).orElse(null);
    Duration deadline =
        GoDuration.parse(quiet.path("deadline").asText(Quiet.DEFAULT_DEADLINE)).orElse(null);
    if (period != null && period.isZero()) {
      error(
          INVALID_MANIFEST,
          p + ".period",
          "the quiet period of " + who + " must be longer than 0s");
    }
    if (period != null && deadline != null && deadline.compareTo(period) < 0) {
      error(
          INVALID_MANIFEST,
          p + ".deadline",
          "the quiet deadline "
              + quiet.path("deadline").asText(Quiet.DEFAULT_DEADLINE)
              + " of "
              + who
              + " is shorter than its quiet period "
              + quiet.get("period").asText());
    }
  }

  /**
   * Replaces {@code manifests} written as YAML text or as a file reference by the list of objects
   * it holds.
   */
  private void embedManifests(JsonNode c, String path) {
    if (!(c instanceof ObjectNode component) || !c.has("manifests")) {
      return;
    }
    JsonNode manifests = c.get("manifests");
    String p = path + ".manifests";
    String text = null;
    String errorPath = p;
    if (manifests.isTextual()) {
      text = manifests.asText();
    } else if (manifests.isObject()) {
      unknown(manifests, p, MANIFEST_FILE);
      String file = string(manifests, p, "file", true);
      errorPath = p + ".file";
      if (file == null) {
        unreadable.add(path);
        component.set("manifests", Json.mapper().createArrayNode());
        return;
      }
      try {
        text = files.read(file);
        sources.put(path, file);
      } catch (IOException e) {
        error(INVALID_MANIFEST, errorPath, "manifests file '" + file + "': " + e.getMessage());
        unreadable.add(path);
        component.set("manifests", Json.mapper().createArrayNode());
        return;
      }
    } else {
      return;
    }
    ArrayNode objects = Json.mapper().createArrayNode();
    try {
      for (JsonNode doc : YAML.readValues(YAML.createParser(text), JsonNode.class).readAll()) {
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          objects.add(doc);
        }
      }
    } catch (IOException e) {
      String where =
          e instanceof JsonProcessingException j && j.getLocation() != null
              ? " at line " + j.getLocation().getLineNr()
              : "";
      String message =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      error(
          INVALID_MANIFEST,
          errorPath,
          "the manifests"
              + (sources.containsKey(path) ? " in '" + sources.get(path) + "'" : "")
              + " are not valid YAML documents"
              + where
              + ": "
              + message);
      unreadable.add(path);
    }
    component.set("manifests", objects);
  }

  /** The kinds of the custom resource definitions in the release's bundles with Cluster scope. */
  private static Set<String> clusterScopedCustomKinds(JsonNode components) {
    Set<String> kinds = new HashSet<>();
    for (JsonNode c : components) {
      for (JsonNode object : c.path("manifests")) {
        if ("CustomResourceDefinition".equals(object.path("kind").asText())
            && "Cluster".equals(object.path("spec").path("scope").asText())
            && object.path("spec").path("names").path("kind").isTextual()) {
          kinds.add(object.path("spec").path("names").path("kind").asText());
        }
      }
    }
    return kinds;
  }

  private void component(JsonNode c, String path, Set<String> layers, Set<String> names) {
    if (!object(c, path)) {
      return;
    }
    unknown(c, path, COMPONENT);
    String name = string(c, path, "name", true);
    if (name != null && !DNS_LABEL.matcher(name).matches()) {
      error(
          INVALID_MANIFEST,
          path + ".name",
          "component name '" + name + "' must be lower-case letters, digits and '-'");
    }
    String who = name == null ? "the component at " + full(path) : "component '" + name + "'";
    String layer = string(c, path, "layer", true);
    if (layer != null && layers != null && !layers.contains(layer)) {
      error(
          UNKNOWN_LAYER,
          path + ".layer",
          who + " is in layer '" + layer + "', which spec.layers does not list");
    }
    version(c, path, "version", who);
    JsonNode requires = c.get("requires");
    if (requires != null && object(requires, path + ".requires")) {
      for (Iterator<Map.Entry<String, JsonNode>> it = requires.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> req = it.next();
        String reqPath = path + ".requires." + req.getKey();
        if (!names.contains(req.getKey())) {
          error(
              UNKNOWN_DEPENDENCY,
              reqPath,
              who + " requires '" + req.getKey() + "', which the release does not contain");
        }
        if (name != null && name.equals(req.getKey())) {
          error(INVALID_MANIFEST, reqPath, who + " requires itself");
        }
        if (!req.getValue().isTextual() || Semver.range(req.getValue().asText()).isEmpty()) {
          error(
              INVALID_RANGE,
              reqPath,
              who
                  + " requires "
                  + req.getKey()
                  + " '"
                  + req.getValue().asText()
                  + "', which is not an npm-style semver range");
        }
      }
    }
    delivery(c, path, who);
    JsonNode drain = c.get("drain");
    if (drain != null && array(drain, path + ".drain")) {
      for (int i = 0; i < drain.size(); i++) {
        objectRef(drain.get(i), path + ".drain[" + i + "]", true);
      }
    }
    JsonNode migration = c.get("migration");
    if (migration != null && object(migration, path + ".migration")) {
      unknown(migration, path + ".migration", MIGRATION);
      string(migration, path + ".migration", "image", true);
      stringList(migration.get("args"), path + ".migration.args");
      duration(migration, path + ".migration", "timeout");
    }
    JsonNode backup = c.get("backup");
    if (backup != null && object(backup, path + ".backup")) {
      unknown(backup, path + ".backup", BACKUP);
      string(backup, path + ".backup", "volumeSnapshotClass", true);
      if (c.get("workload") == null) {
        error(
            INVALID_MANIFEST,
            path + ".backup",
            who + " has a backup but no workload whose volumes to snapshot");
      }
    }
    gates(c.get("gates"), path + ".gates");
    JsonNode retries = c.get("retries");
    if (retries != null
        && !retries.isNull()
        && (!retries.isIntegralNumber()
            || !retries.canConvertToInt()
            || retries.asInt() < 0
            || retries.asInt() > Component.MAX_RETRIES)) {
      error(
          INVALID_MANIFEST,
          path + ".retries",
          who
              + " has retries "
              + retries
              + "; retries must be a whole number from 0 to "
              + Component.MAX_RETRIES);
    }
  }

  private void delivery(JsonNode c, String path, String who) {
    List<String> ways = new ArrayList<>();
    if (c.has("image")) {
      ways.add("image");
    }
    for (String way : List.of("manifests", "helm", "customResource")) {
      if (c.has(way)) {
        ways.add(way);
      }
    }
    if (ways.size() != 1) {
      error(
          INVALID_MANIFEST,
          path,
          who
              + " must be delivered in exactly one way (image with workload, manifests, helm"
              + " or customResource); it has "
              + (ways.isEmpty() ? "none" : ways));
    }
    JsonNode workload = c.get("workload");
    if (c.has("image")) {
      string(c, path, "image", true);
      if (workload == null) {
        error(INVALID_MANIFEST, path + ".workload", who + " sets an image but names no workload");
      }
    }
    if (workload != null && object(workload, path + ".workload")) {
      unknown(workload, path + ".workload", WORKLOAD);
      String kind = string(workload, path + ".workload", "kind", true);
      if (kind != null && !WorkloadRef.KINDS.contains(kind)) {
        error(
            INVALID_MANIFEST,
            path + ".workload.kind",
            who + ": workload kind '" + kind + "' is not one of " + WorkloadRef.KINDS);
      }
      string(workload, path + ".workload", "namespace", true);
      string(workload, path + ".workload", "name", true);
      string(workload, path + ".workload", "container", false);
    }
    JsonNode manifests = c.get("manifests");
    if (manifests != null && array(manifests, path + ".manifests")) {
      bundle(manifests, path, who);
    }
    JsonNode helm = c.get("helm");
    if (helm != null && object(helm, path + ".helm")) {
      unknown(helm, path + ".helm", HELM);
      string(helm, path + ".helm", "chart", true);
      string(helm, path + ".helm", "version", true);
      string(helm, path + ".helm", "namespace", false);
      if (helm.has("values")) {
        object(helm.get("values"), path + ".helm.values");
      }
    }
    JsonNode cr = c.get("customResource");
    if (cr != null && object(cr, path + ".customResource")) {
      String p = path + ".customResource";
      unknown(cr, p, CUSTOM_RESOURCE);
      string(cr, p, "apiVersion", true);
      string(cr, p, "kind", true);
      string(cr, p, "namespace", true);
      string(cr, p, "name", true);
      if (require(cr.get("set"), p + ".set")
          && object(cr.get("set"), p + ".set")
          && cr.get("set").isEmpty()) {
        error(INVALID_MANIFEST, p + ".set", who + ": set names no field to change");
      }
      if (cr.get("set") != null && cr.get("set").isObject()) {
        for (Iterator<String> it = cr.get("set").fieldNames(); it.hasNext(); ) {
          setPath(it.next(), p + ".set", who);
        }
      }
      if (cr.has("readyWhen") && object(cr.get("readyWhen"), p + ".readyWhen")) {
        for (Iterator<String> it = cr.get("readyWhen").fieldNames(); it.hasNext(); ) {
          String field = it.next();
          if (!FIELD_PATH.matcher(field).matches()) {
            error(
                INVALID_MANIFEST,
                p + ".readyWhen." + field,
                who + ": readyWhen path '" + field + "' is not a dotted field path");
          }
        }
      }
      duration(cr, p, "timeout");
    }
  }

  /** The objects of a bundle: each complete, each once, each where it belongs. */
  private void bundle(JsonNode manifests, String path, String who) {
    String file = sources.get(path);
    if (manifests.isEmpty() && !unreadable.contains(path)) {
      error(
          INVALID_MANIFEST,
          path + ".manifests",
          who + ": manifests" + (file == null ? "" : " in '" + file + "'") + " hold no object");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < manifests.size(); i++) {
      String p = path + ".manifests[" + i + "]";
      String where = file == null ? "" : " (document " + (i + 1) + " of '" + file + "')";
      JsonNode object = manifests.get(i);
      if (!object(object, p)) {
        continue;
      }
      string(object, p, "apiVersion", true);
      String kind = string(object, p, "kind", true);
      JsonNode metadata = object.get("metadata");
      if (!require(metadata, p + ".metadata") || !object(metadata, p + ".metadata")) {
        continue;
      }
      String name = string(metadata, p + ".metadata", "name", true);
      String namespace = string(metadata, p + ".metadata", "namespace", false);
      if (kind == null || name == null) {
        continue;
      }
      if ((namespace == null || namespace.isBlank())
          && KubernetesKinds.namespaced(kind, clusterScopedCustomKinds)) {
        error(
            INVALID_MANIFEST,
            p + ".metadata.namespace",
            who
                + ": "
                + kind
                + " '"
                + name
                + "' is of a namespaced kind and names no metadata.namespace"
                + where);
      }
      if ("Secret".equals(kind)) {
        error(
            INVALID_MANIFEST,
            p,
            who
                + ": Secret '"
                + name
                + "' would put its values into Lockstep's events (releases and plans are"
                + " events); create it outside Lockstep and refer to it"
                + where);
      }
      String key = kind + " " + (namespace == null ? "" : namespace + "/") + name;
      Integer first = seen.putIfAbsent(key, i);
      if (first != null) {
        error(
            INVALID_MANIFEST,
            p,
            who + ": " + key + " is in the bundle twice (also at manifests[" + first + "])");
      }
    }
  }

  /** A {@code set} path of a custom resource: a field of the resource that Lockstep may change. */
  private void setPath(String field, String path, String who) {
    String p = path + "." + field;
    if (!FIELD_PATH.matcher(field).matches()) {
      error(INVALID_MANIFEST, p, who + ": set path '" + field + "' is not a dotted field path");
    } else if (field.equals("status") || field.startsWith("status.")) {
      error(
          INVALID_MANIFEST,
          p,
          who
              + ": set path '"
              + field
              + "' is in the status, which the operator writes; set the spec and wait for the"
              + " status with readyWhen");
    } else if (NOT_SETTABLE.contains(field.split("\\.")[0])) {
      error(
          INVALID_MANIFEST,
          p,
          who
              + ": set path '"
              + field
              + "' is not the resource's to change: set changes its spec (or other fields),"
              + " never apiVersion, kind or metadata");
    }
  }

  private void gates(JsonNode gates, String path) {
    new GateChecks(base, errors).gates(gates, path);
  }
}
