package dev.lockstep.cli.soak;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.testkit.postgres.RestartablePostgres;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The invariants on what the system holds at the end: each platform's objects against the
 * recorder's version tables, and the recorder's event table against the topics.
 */
final class StateChecks {
  private StateChecks() {}

  /**
   * What each component of a platform should run: the sample's versions, then each upgrade's
   * version table in the order they ran ({@code upgraded}: its {@code to}; {@code rolled-back}: its
   * {@code from}; any other state leaves the component as it was).
   */
  static Map<String, String> expected(Map<String, String> seeded, List<JsonNode> views) {
    Map<String, String> versions = new LinkedHashMap<>(seeded);
    for (JsonNode view : views) {
      for (JsonNode row : view.path("versions")) {
        String component = row.path("component").asText();
        switch (row.path("state").asText()) {
          case "upgraded" -> versions.put(component, row.path("to").asText(null));
          case "rolled-back" -> versions.put(component, row.path("from").asText(null));
          default -> {}
        }
      }
    }
    return versions;
  }

  /**
   * Compares one platform's objects with what the recorder says they should run.
   *
   * @param releaseYaml the platform's release (where each component's object is)
   * @param seeded what the platform ran before the soak
   * @param runs the platform's upgrades in the order they ran
   */
  static List<Violation> finalObjects(
      String platform,
      String releaseYaml,
      Map<String, String> seeded,
      List<UpgradeRun> runs,
      SoakHttp http,
      Supplier<List<URI>> recorders,
      KubernetesClient client) {
    String id = Invariant.FINAL_OBJECTS.id();
    List<Violation> violations = new ArrayList<>();
    List<JsonNode> views = new ArrayList<>();
    for (UpgradeRun run : runs) {
      SoakHttp.Answer answer =
          http.get(
              recorders,
              "/api/v1/upgrades/" + URLEncoder.encode(run.upgradeId(), StandardCharsets.UTF_8));
      if (answer.status() == 404 && "rejected".equals(run.end())) {
        continue;
      }
      if (!answer.ok()) {
        violations.add(
            new Violation(
                id,
                platform,
                run.upgradeId(),
                "the recorder answered " + answer.status() + " for it"));
        return violations;
      }
      views.add(answer.json());
    }
    Map<String, String> expected = expected(seeded, views);
    Release release = ReleaseParser.parseYaml(releaseYaml).release();
    for (Component component : release.spec().components()) {
      String want = expected.get(component.name());
      Observed seen = observe(client, component);
      if (seen == null) {
        violations.add(
            new Violation(id, platform, null, component.name() + ": its object is gone"));
        continue;
      }
      if (want != null && !want.equals(seen.version())) {
        violations.add(
            new Violation(
                id,
                platform,
                lastTouching(views, component.name()),
                component.name()
                    + " runs "
                    + seen.version()
                    + " by its lockstep.dev/version annotation, the recorder says "
                    + want));
      }
      if (want != null && seen.image() != null && !seen.image().endsWith(":" + want)) {
        violations.add(
            new Violation(
                id,
                platform,
                lastTouching(views, component.name()),
                component.name()
                    + " runs image "
                    + seen.image()
                    + ", the recorder says version "
                    + want));
      }
    }
    return violations;
  }

  /** A component's object as it is: its version annotation and its container's image. */
  record Observed(String version, String image) {}

  static Observed observe(KubernetesClient client, Component component) {
    HasMetadata object;
    PodTemplateSpec template = null;
    String container = null;
    if (component.customResource() != null) {
      var cr = component.customResource();
      GenericKubernetesResource resource =
          client
              .genericKubernetesResources(cr.apiVersion(), cr.kind())
              .inNamespace(cr.namespace())
              .withName(cr.name())
              .get();
      object = resource;
    } else if (component.helm() != null) {
      Deployment deployment =
          client
              .apps()
              .deployments()
              .inNamespace(component.helm().namespace())
              .withName(component.name())
              .get();
      object = deployment;
    } else if (component.workload() != null) {
      var workload = component.workload();
      container = workload.container();
      if (workload.kind().equals("StatefulSet")) {
        StatefulSet set =
            client
                .apps()
                .statefulSets()
                .inNamespace(workload.namespace())
                .withName(workload.name())
                .get();
        object = set;
        template = set == null ? null : set.getSpec().getTemplate();
      } else {
        Deployment deployment =
            client
                .apps()
                .deployments()
                .inNamespace(workload.namespace())
                .withName(workload.name())
                .get();
        object = deployment;
        template = deployment == null ? null : deployment.getSpec().getTemplate();
      }
    } else {
      return new Observed(null, null);
    }
    if (object == null) {
      return null;
    }
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    String version = annotations == null ? null : annotations.get("lockstep.dev/version");
    String image = null;
    if (template != null && component.image() != null) {
      for (Container c : template.getSpec().getContainers()) {
        if (container == null || container.equals(c.getName())) {
          image = c.getImage();
        }
      }
    }
    return new Observed(version, image);
  }

  private static String lastTouching(List<JsonNode> views, String component) {
    String id = null;
    for (JsonNode view : views) {
      for (JsonNode row : view.path("versions")) {
        if (component.equals(row.path("component").asText())
            && !"not-started".equals(row.path("state").asText())) {
          id = view.path("upgradeId").asText();
        }
      }
    }
    return id;
  }

  /**
   * Waits (bounded) until the recorder's table holds exactly the events of the topics; the
   * violations when it does not.
   */
  static List<Violation> recorderHoldsTopics(
      RestartablePostgres postgres,
      String database,
      Set<String> platforms,
      Set<String> onTopics,
      Supplier<Set<String>> onTopicsNow,
      Duration patience) {
    // The services keep publishing (inventory.observed) while this waits: every event read from
    // the topics before must be stored, and every stored one must be on the topics read after.
    Instant deadline = Instant.now().plus(patience);
    Set<String> missing = new HashSet<>(onTopics);
    while (Instant.now().isBefore(deadline)) {
      missing = new HashSet<>(onTopics);
      missing.removeAll(storedIds(postgres, database, platforms));
      if (missing.isEmpty()) {
        break;
      }
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Set<String> extra = new HashSet<>(storedIds(postgres, database, platforms));
    extra.removeAll(onTopicsNow.get());
    List<Violation> violations = new ArrayList<>();
    if (!missing.isEmpty()) {
      violations.add(
          new Violation(
              Invariant.RECORDER.id(),
              null,
              null,
              missing.size()
                  + " events on the topics are not in the recorder's table after "
                  + patience
                  + ", e.g. "
                  + sample(missing)));
    }
    if (!extra.isEmpty()) {
      violations.add(
          new Violation(
              Invariant.RECORDER.id(),
              null,
              null,
              extra.size()
                  + " events in the recorder's table are not on the topics, e.g. "
                  + sample(extra)));
    }
    return violations;
  }

  private static List<String> sample(Set<String> ids) {
    return ids.stream().sorted().limit(5).toList();
  }

  static Set<String> storedIds(
      RestartablePostgres postgres, String database, Set<String> platforms) {
    Set<String> ids = new HashSet<>();
    try (Connection connection =
            DriverManager.getConnection(
                postgres.jdbcUrl(database),
                postgres.username(),
                postgres.connections().password());
        PreparedStatement statement =
            connection.prepareStatement("SELECT event_id FROM events WHERE platform = ANY (?)")) {
      statement.setArray(1, connection.createArrayOf("text", platforms.toArray()));
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the recorder's events: " + e.getMessage(), e);
    }
    return ids;
  }
}
