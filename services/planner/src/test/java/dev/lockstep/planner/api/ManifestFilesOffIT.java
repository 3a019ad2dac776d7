package dev.lockstep.planner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import dev.lockstep.planner.TestingPlanner;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A planner with no manifests directory configured reads no file a release names, not even one that
 * exists under its working directory: the release is refused with a 422 that says file references
 * are off.
 */
class ManifestFilesOffIT {
  private static final String PLATFORM = TestingPlanner.unique("no-manifests-dir");
  private static final String EXISTING = "src/test/resources/bundles/rok-operator.yaml";

  private static ApplicationContext context;
  private static EmbeddedServer server;

  @BeforeAll
  static void start() {
    context =
        TestingPlanner.start(
            TestingPlanner.unique("planner-no-manifests-dir"),
            Map.of(PLATFORM, List.of("core", "rok")));
    server = context.getBean(EmbeddedServer.class).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
    if (context != null) {
      context.close();
    }
  }

  @Test
  void aReleaseNamingAManifestsFileIsRefusedWhenNoDirectoryIsConfigured() throws Exception {
    assertThat(Files.exists(Path.of(EXISTING)))
        .as("the file exists, and is still not read")
        .isTrue();
    String token =
        context
            .getBean(TokenIssuer.class)
            .issue("sam", List.of(Roles.SUBMITTER), Duration.ofMinutes(10));
    String yaml =
        """
        apiVersion: lockstep.dev/v1
        kind: Release
        metadata: { name: rok, version: 2.0.0 }
        spec:
          layers: [core-kernel]
          components:
            - name: rok-operator
              layer: core-kernel
              version: 2.0.0
              manifests: { file: %s }
        """
            .formatted(EXISTING);

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://localhost:"
                                + server.getPort()
                                + "/api/v1/upgrades?platform="
                                + PLATFORM))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofString(yaml))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    JsonNode error = Json.mapper().readTree(response.body()).get("errors").get(0);
    assertThat(error.get("code").asText()).isEqualTo("invalid-manifest");
    assertThat(error.get("path").asText()).endsWith("components[0].manifests.file");
    assertThat(error.get("message").asText())
        .contains("file references are off")
        .contains("lockstep.planner.manifests-dir");
  }
}
