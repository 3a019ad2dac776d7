package dev.lockstep.planner.bundles;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Delivery;
import dev.lockstep.manifest.HelmChart;
import dev.lockstep.manifest.KubernetesKinds;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.model.Codes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the bundle-delivered components of a release into the objects they apply: a {@code
 * manifests} bundle as written, a {@code helm} chart rendered by the Helm engine with the release's
 * values. A rendered object of a namespaced kind without a namespace gets the chart's namespace;
 * Helm test hooks (run by {@code helm test}, never installed) are left out. A chart that does not
 * render, that is another version than the release says, whose objects are incomplete, or that
 * renders a Secret (whose values would reach the events) is an error with Helm's message and the
 * component's path.
 */
public final class BundleResolver {
  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());
  private static final Set<String> TEST_HOOKS = Set.of("test", "test-success", "test-failure");

  private final ChartRenderer charts;

  /** A resolver that renders charts with the given engine. */
  public BundleResolver(ChartRenderer charts) {
    this.charts = charts;
  }

  /**
   * The bundles of every component of the release delivered by manifests or a chart.
   *
   * @param base the path of the release in the request ({@code release}, or empty)
   */
  public Bundles resolve(Release release, String base) {
    Map<String, List<Map<String, Object>>> objects = new LinkedHashMap<>();
    List<ErrorDetail> errors = new ArrayList<>();
    if (release == null || release.spec() == null) {
      return new Bundles(objects, errors);
    }
    String prefix = base == null || base.isEmpty() ? "" : base + ".";
    List<Component> components = release.spec().components();
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      if (c == null || c.name() == null) {
        continue;
      }
      if (c.delivery() == Delivery.MANIFESTS) {
        objects.put(c.name(), c.manifests());
      } else if (c.delivery() == Delivery.HELM) {
        String path = prefix + "spec.components[" + i + "].helm";
        List<Map<String, Object>> rendered = render(c, path, errors);
        if (rendered != null) {
          objects.put(c.name(), rendered);
        }
      }
    }
    return new Bundles(objects, errors);
  }

  private List<Map<String, Object>> render(Component c, String path, List<ErrorDetail> errors) {
    HelmChart chart = c.helm();
    String who = "component '" + c.name() + "'";
    ChartRenderer.Rendering rendering = charts.render(chart, c.name());
    if (!rendering.ok()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path + ".chart",
              who + ": chart '" + chart.chart() + "' does not render: " + rendering.error()));
      return null;
    }
    int before = errors.size();
    if (rendering.chartVersion() != null && !rendering.chartVersion().equals(chart.version())) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path + ".version",
              who
                  + ": chart '"
                  + chart.chart()
                  + "' is version "
                  + rendering.chartVersion()
                  + ", but the release asks for "
                  + chart.version()));
    }
    List<Map<String, Object>> objects = new ArrayList<>();
    try {
      for (JsonNode doc :
          YAML.readValues(YAML.createParser(rendering.manifests()), JsonNode.class).readAll()) {
        if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
          continue;
        }
        if (!doc.isObject()) {
          errors.add(
              new ErrorDetail(
                  Codes.INVALID_MANIFEST,
                  path,
                  who + ": chart '" + chart.chart() + "' renders a document that is no object"));
          continue;
        }
        if (TEST_HOOKS.contains(
            doc.path("metadata").path("annotations").path("helm.sh/hook").asText())) {
          continue;
        }
        objects.add(YAML.convertValue(doc, new TypeReference<Map<String, Object>>() {}));
      }
    } catch (IOException e) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path + ".chart",
              who
                  + ": chart '"
                  + chart.chart()
                  + "' renders YAML that does not read: "
                  + e.getMessage()));
      return null;
    }
    Set<String> clusterScopedCustomKinds = new HashSet<>();
    for (Map<String, Object> o : objects) {
      if ("CustomResourceDefinition".equals(o.get("kind"))
          && Bundles.at(o, "spec.scope").filter("Cluster"::equals).isPresent()) {
        Bundles.at(o, "spec.names.kind").ifPresent(k -> clusterScopedCustomKinds.add(k.toString()));
      }
    }
    List<String> secrets = new ArrayList<>();
    List<String> incomplete = new ArrayList<>();
    List<String> withoutNamespace = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    List<Map<String, Object>> filled = new ArrayList<>();
    for (Map<String, Object> o : objects) {
      Object kind = o.get("kind");
      Object metadataValue = o.get("metadata");
      Map<String, Object> metadata = new LinkedHashMap<>();
      if (metadataValue instanceof Map<?, ?> m) {
        m.forEach((k, v) -> metadata.put(String.valueOf(k), v));
      }
      Object name = metadata.get("name");
      if (!(o.get("apiVersion") instanceof String)
          || !(kind instanceof String)
          || !(name instanceof String)) {
        incomplete.add(kind + " '" + name + "'");
        continue;
      }
      if ("Secret".equals(kind)) {
        secrets.add("'" + name + "'");
      }
      Object namespace = metadata.get("namespace");
      if ((namespace == null || namespace.toString().isBlank())
          && KubernetesKinds.namespaced(kind.toString(), clusterScopedCustomKinds)) {
        if (chart.namespace() == null) {
          withoutNamespace.add(kind + " '" + name + "'");
        } else {
          metadata.put("namespace", chart.namespace());
        }
      }
      Map<String, Object> object = new LinkedHashMap<>(o);
      object.put("metadata", metadata);
      String key =
          kind
              + " "
              + (metadata.get("namespace") == null ? "" : metadata.get("namespace") + "/")
              + name;
      if (seen.merge(key, 1, Integer::sum) == 2) {
        errors.add(
            new ErrorDetail(
                Codes.INVALID_MANIFEST,
                path,
                who + ": chart '" + chart.chart() + "' renders " + key + " twice"));
      }
      filled.add(object);
    }
    if (!incomplete.isEmpty()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path,
              who
                  + ": chart '"
                  + chart.chart()
                  + "' renders objects without apiVersion, kind or metadata.name: "
                  + String.join(", ", incomplete)));
    }
    if (!secrets.isEmpty()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path + ".chart",
              who
                  + ": chart '"
                  + chart.chart()
                  + "' renders Secret "
                  + String.join(", ", secrets)
                  + ", whose values would reach Lockstep's events (plans are events); create"
                  + " Secrets outside Lockstep and have the chart refer to them"));
    }
    if (!withoutNamespace.isEmpty()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path + ".namespace",
              who
                  + ": chart '"
                  + chart.chart()
                  + "' renders objects of namespaced kinds without a namespace ("
                  + String.join(", ", withoutNamespace)
                  + "); set helm.namespace"));
    }
    if (filled.isEmpty() && errors.size() == before) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST,
              path + ".chart",
              who + ": chart '" + chart.chart() + "' renders no object with these values"));
    }
    return errors.size() == before ? filled : null;
  }
}
