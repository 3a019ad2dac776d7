package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code lockstep local --release FILE [--cluster FILE] [--fault COMPONENT:KIND]}: one's own
 * release rehearsed on one's own inventory, and the faults put into the simulated cluster before it
 * runs.
 *
 * <p>The release's gates as a rehearsal runs them: an {@code http} gate whose host is a service
 * address {@code <name>.<namespace>} (or {@code .svc}, {@code .svc.cluster.local}) asks the
 * simulated health endpoint of the workload {@code <namespace>/<name>} instead ({@code GET
 * /<namespace>/<name>/health}, 200 {@code {"status":"UP"}} or 503); one on {@code 127.0.0.1} is
 * kept; any other host, and every {@code prometheus} and {@code sql} gate, is refused: the
 * rehearsal has nothing real to ask, and a gate that is skipped would pass a rehearsal it never
 * checked.
 *
 * @param platform the release on the cluster file
 * @param faults what fails, in command-line order
 */
public record Rehearsal(SamplePlatform platform, List<Fault> faults) {

  private static final YAMLMapper YAML = new YAMLMapper();

  private static final Pattern SERVICE_HOST =
      Pattern.compile(
          "([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.svc(\\.cluster\\.local)?)?");

  public Rehearsal {
    faults = List.copyOf(faults);
  }

  /** What a fault does to a component's new image. */
  public enum FaultKind {
    /** Its pods crash-loop, so its rollout never completes (the executor's rollout timeout). */
    ROLLOUT,
    /** Its pods run, but its simulated health endpoint answers 503 {@code DEGRADED}. */
    HEALTH
  }

  /**
   * A fault of {@code --fault COMPONENT:KIND}.
   *
   * @param component the release's component
   * @param kind what fails
   */
  public record Fault(String component, FaultKind kind) {
    /** {@code metis:rollout}; a clear error otherwise. */
    public static Fault parse(String text) {
      int colon = text.lastIndexOf(':');
      String kind = colon < 0 ? "" : text.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      if (colon <= 0 || !(kind.equals("rollout") || kind.equals("health"))) {
        throw new IllegalArgumentException(
            "--fault " + text + ": expected COMPONENT:rollout or COMPONENT:health");
      }
      return new Fault(
          text.substring(0, colon).trim(), FaultKind.valueOf(kind.toUpperCase(Locale.ROOT)));
    }

    @Override
    public String toString() {
      return component + ":" + kind.name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The problems of faults on a platform: a component the release does not have, or one without an
   * image of its own (a Helm chart, a custom resource).
   */
  static List<String> problems(List<Fault> faults, Release release) {
    List<String> problems = new ArrayList<>();
    for (Fault fault : faults) {
      var component = release.component(fault.component());
      if (component.isEmpty()) {
        problems.add(
            "--fault "
                + fault
                + ": the release has no component "
                + fault.component()
                + " (it has "
                + String.join(
                    ", ", release.spec().components().stream().map(Component::name).toList())
                + ")");
      } else if (component.get().image() == null || component.get().workload() == null) {
        problems.add(
            "--fault " + fault + ": " + fault.component() + " has no workload image to fail");
      }
    }
    return problems;
  }

  /** Puts the faults into the cluster and the endpoints: each names the component's new image. */
  void apply(SimulatedCluster cluster, SimulatedEndpoints endpoints) {
    for (Fault fault : faults) {
      Component component = platform.releaseManifest().component(fault.component()).orElseThrow();
      if (fault.kind() == FaultKind.ROLLOUT) {
        cluster.kubelet().markFaulty(component.image());
      } else {
        endpoints.degrade(component.workload().namespace(), component.image());
      }
    }
  }

  /** A file's text; {@code <file>: no such file} when there is none. */
  static String read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": no such file");
    }
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * The platform id that the cluster file's Namespaces' {@code lockstep.dev/platform} labels all
   * agree on, or {@code otherwise}.
   */
  static String platformId(List<HasMetadata> objects, String otherwise) {
    Set<String> ids = new HashSet<>();
    for (HasMetadata object : objects) {
      if (object instanceof Namespace) {
        var labels = object.getMetadata().getLabels();
        ids.add(labels == null ? null : labels.get("lockstep.dev/platform"));
      }
    }
    return ids.size() == 1 && !ids.contains(null) ? ids.iterator().next() : otherwise;
  }

  /**
   * A release text with its http gates as a rehearsal runs them (see the class); adds a problem,
   * naming the file and the gate, for each gate it cannot run. The text itself when no URL changed.
   */
  static String gates(Path file, String releaseYaml, List<String> problems) {
    JsonNode release;
    try {
      release = YAML.readTree(releaseYaml);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid YAML: " + e.getMessage(), e);
    }
    boolean changed = gates(file, release.path("spec").path("gates"), "spec.gates", problems);
    JsonNode components = release.path("spec").path("components");
    for (int i = 0; i < components.size(); i++) {
      changed |=
          gates(
              file, components.get(i).path("gates"), "spec.components[" + i + "].gates", problems);
    }
    return changed ? SampleFiles.yaml(release) : releaseYaml;
  }

  private static boolean gates(Path file, JsonNode gates, String path, List<String> problems) {
    boolean changed = false;
    for (int i = 0; i < gates.size(); i++) {
      JsonNode gate = gates.get(i);
      String where = file + ": " + path + "[" + i + "] (" + gate.path("name").asText("?") + "): ";
      if (gate.has("prometheus") || gate.has("sql")) {
        String kind = gate.has("prometheus") ? "prometheus" : "sql";
        problems.add(
            where
                + "a "
                + kind
                + " gate, which a rehearsal cannot run (it has no "
                + (kind.equals("sql") ? "database of yours" : "Prometheus")
                + " to ask); remove it from the rehearsed copy of the release");
      } else if (gate.path("http").path("url").isTextual()) {
        String url = gate.path("http").path("url").asText();
        String host = host(url);
        Matcher service = SERVICE_HOST.matcher(host == null ? "" : host);
        if (service.matches()) {
          ((ObjectNode) gate.get("http"))
              .put(
                  "url",
                  SamplePlatform.ENDPOINTS_BASE_URL
                      + "/"
                      + service.group(3)
                      + "/"
                      + service.group(1)
                      + "/health");
          changed = true;
        } else if (!"127.0.0.1".equals(host)) {
          problems.add(
              where
                  + "the http gate asks "
                  + url
                  + ", which a rehearsal cannot reach; it asks service addresses"
                  + " <name>.<namespace> (the simulated health endpoint of that workload) and"
                  + " 127.0.0.1");
        }
      }
    }
    return changed;
  }

  private static String host(String url) {
    try {
      return URI.create(url).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
