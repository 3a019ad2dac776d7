package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chart lints clean, renders every service as its configuration says, and checks values. */
class HelmChartTest {
  private static final List<JsonNode> DEFAULT = Manifests.render(t -> t);

  @Test
  void theChartLintsClean() {
    LintResult result = new Helm(Manifests.CHART).lint().strict().call();

    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    assertThat(result.getMessages())
        .noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void everyServiceHasADeploymentServiceBudgetPolicyAndAccount() {
    for (String service : Manifests.SERVICES) {
      String name = "lockstep-" + service;
      for (String kind :
          List.of(
              "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount")) {
        assertThat(Manifests.named(DEFAULT, kind, name)).as(kind + " " + name).isNotNull();
      }
    }
    // and the console
    assertThat(Manifests.ofKind(DEFAULT, "Deployment")).hasSize(Manifests.SERVICES.size() + 1);
  }

  @Test
  void theConsoleRunsBesideTheServicesWithTheirUrlsAndNoKafkaOrDatabase() {
    int port = Manifests.configuredPort("console");
    JsonNode deployment = Manifests.named(DEFAULT, "Deployment", "lockstep-console");
    JsonNode container = deployment.at("/spec/template/spec/containers/0");

    assertThat(port).as("the console's application.yml port").isEqualTo(8086);
    assertThat(deployment.at("/spec/replicas").asInt()).as("sessions are in memory").isEqualTo(1);
    assertThat(container.at("/image").asText())
        .isEqualTo("registry.example.com/lockstep/lockstep-console:0.1.0-SNAPSHOT");
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(port);
    assertThat(env(container, "MICRONAUT_SERVER_PORT").path("value").asText())
        .isEqualTo(Integer.toString(port));
    assertThat(container.at("/readinessProbe/httpGet/path").asText())
        .isEqualTo("/health/readiness");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/liveness");
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(deployment.at("/spec/template/spec/automountServiceAccountToken").asBoolean())
        .isFalse();
    assertThat(env(container, "LOCKSTEP_CONSOLE_PLANNER_URL").path("value").asText())
        .isEqualTo("http://lockstep-planner:" + Manifests.configuredPort("planner"));
    assertThat(env(container, "LOCKSTEP_CONSOLE_RECORDER_URL").path("value").asText())
        .isEqualTo("http://lockstep-rca-recorder:" + Manifests.configuredPort("rca-recorder"));
    assertThat(env(container, "LOCKSTEP_CONSOLE_NOTIFIER_URL").path("value").asText())
        .isEqualTo("http://lockstep-notifier:" + Manifests.configuredPort("notifier"));
    assertThat(env(container, "LOCKSTEP_CONSOLE_PLATFORMS").path("value").asText())
        .isEqualTo("dataos-prod");
    assertThat(
            env(container, "LOCKSTEP_SECURITY_JWT_SECRET")
                .at("/valueFrom/secretKeyRef/name")
                .asText())
        .isEqualTo("lockstep-jwt");
    assertThat(container.path("env").toString())
        .doesNotContain("KAFKA")
        .doesNotContain("POSTGRES")
        .doesNotContain("DATABASE")
        .doesNotContain("OIDC");
    assertThat(
            Manifests.named(DEFAULT, "Service", "lockstep-console")
                .at("/spec/ports/0/port")
                .asInt())
        .isEqualTo(port);
    assertThat(Manifests.ofKind(DEFAULT, "Ingress")).as("no Ingress unless asked").isEmpty();

    List<JsonNode> off = Manifests.render(t -> t.set("console.enabled", "false"));
    assertThat(Manifests.ofKind(off, "Deployment")).hasSize(Manifests.SERVICES.size());
  }

  @Test
  void theConsoleSignsInAtTheIdentityProviderWithTheClientSecretByReference() {
    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.set("jwt.jwksUrl", "https://idp.example.org/realms/ops/certs")
                    .set("jwt.issuer", "https://idp.example.org/realms/ops")
                    .set("jwt.audience", "lockstep")
                    .set("console.oidc.issuer", "https://idp.example.org/realms/ops")
                    .set("console.oidc.clientId", "lockstep-console")
                    .set("console.oidc.clientSecret.existingSecret", "lockstep-console-oidc")
                    .set("console.oidc.baseUrl", "https://lockstep.example.org")
                    .set("console.secureCookie", "true")
                    .set("console.ingress.enabled", "true")
                    .set("console.ingress.host", "lockstep.example.org")
                    .set("console.ingress.tlsSecret", "lockstep-tls"));
    JsonNode container =
        Manifests.named(docs, "Deployment", "lockstep-console")
            .at("/spec/template/spec/containers/0");

    assertThat(env(container, "LOCKSTEP_CONSOLE_OIDC_ISSUER").path("value").asText())
        .isEqualTo("https://idp.example.org/realms/ops");
    assertThat(env(container, "LOCKSTEP_CONSOLE_OIDC_CLIENT_ID").path("value").asText())
        .isEqualTo("lockstep-console");
    assertThat(env(container, "LOCKSTEP_CONSOLE_OIDC_BASE_URL").path("value").asText())
        .isEqualTo("https://lockstep.example.org");
    assertThat(env(container, "LOCKSTEP_CONSOLE_OIDC_SCOPES").path("value").asText())
        .isEqualTo("openid,profile");
    JsonNode secret = env(container, "LOCKSTEP_CONSOLE_OIDC_CLIENT_SECRET");
    assertThat(secret.has("value")).isFalse();
    assertThat(secret.at("/valueFrom/secretKeyRef/name").asText())
        .isEqualTo("lockstep-console-oidc");
    assertThat(secret.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("client-secret");
    assertThat(env(container, "LOCKSTEP_SECURITY_JWKS_URL").path("value").asText())
        .isEqualTo("https://idp.example.org/realms/ops/certs");
    assertThat(env(container, "LOCKSTEP_CONSOLE_SECURE_COOKIE").path("value").asText())
        .isEqualTo("true");
    JsonNode ingress = Manifests.named(docs, "Ingress", "lockstep-console");
    assertThat(ingress.at("/spec/rules/0/host").asText()).isEqualTo("lockstep.example.org");
    assertThat(ingress.at("/spec/rules/0/http/paths/0/backend/service/name").asText())
        .isEqualTo("lockstep-console");
    assertThat(ingress.at("/spec/tls/0/secretName").asText()).isEqualTo("lockstep-tls");

    // without the console's address there is no redirect URI to register
    assertThatThrownBy(
            () ->
                Manifests.render(
                    t ->
                        t.set("console.oidc.issuer", "https://idp.example.org/realms/ops")
                            .set("console.oidc.clientId", "lockstep-console")))
        .hasMessageContaining("console.oidc.baseUrl");
  }

  @Test
  void eachServiceListensWhereItsOwnConfigurationSaysAndIsProbedOnItsHealthEndpoints() {
    for (String service : Manifests.SERVICES) {
      int port = Manifests.configuredPort(service);
      JsonNode deployment = Manifests.named(DEFAULT, "Deployment", "lockstep-" + service);
      JsonNode container = deployment.at("/spec/template/spec/containers/0");

      assertThat(port).as("%s's application.yml port", service).isBetween(8081, 8085);
      assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(port);
      assertThat(env(container, "MICRONAUT_SERVER_PORT").path("value").asText())
          .isEqualTo(Integer.toString(port));
      assertThat(container.at("/readinessProbe/httpGet/path").asText())
          .isEqualTo("/health/readiness");
      assertThat(container.at("/livenessProbe/httpGet/path").asText())
          .isEqualTo("/health/liveness");
      assertThat(container.at("/resources/limits/memory").asText()).isNotEmpty();
      JsonNode svc = Manifests.named(DEFAULT, "Service", "lockstep-" + service);
      assertThat(svc.at("/spec/ports/0/port").asInt()).isEqualTo(port);
      assertThat(
              Manifests.named(DEFAULT, "NetworkPolicy", "lockstep-" + service)
                  .at("/spec/ingress/0/ports/0/port")
                  .asInt())
          .isEqualTo(port);
      assertThat(container.at("/image").asText())
          .isEqualTo("registry.example.com/lockstep/lockstep-" + service + ":0.1.0-SNAPSHOT");
    }
  }

  @Test
  void everyServiceGetsKafkaAndItsSigningSecretOnlyByReference() {
    for (String service : Manifests.SERVICES) {
      JsonNode container =
          Manifests.named(DEFAULT, "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0");

      assertThat(env(container, "LOCKSTEP_KAFKA_BOOTSTRAP_SERVERS").path("value").asText())
          .isEqualTo("kafka-bootstrap.kafka:9092");
      assertThat(
              env(container, "LOCKSTEP_SECURITY_JWT_SECRET")
                  .at("/valueFrom/secretKeyRef/name")
                  .asText())
          .isEqualTo("lockstep-jwt");
      for (JsonNode variable : container.path("env")) {
        String name = variable.path("name").asText();
        if (name.matches(".*(SECRET|PASSWORD|TOKEN|JAAS).*")) {
          assertThat(variable.has("value")).as("%s of %s is a literal", name, service).isFalse();
        }
      }
    }
    assertThat(Manifests.ofKind(DEFAULT, "Secret")).as("the chart creates no Secret").isEmpty();
  }

  @Test
  void thePlatformsAndTheirNamespacesReachEveryServiceAsConfiguration() {
    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.set("platforms[0].id", "alpha")
                    .set("platforms[0].namespaces[0]", "alpha-db")
                    .set("platforms[0].windows[0]", "Sat 22:00-04:00 Europe/Berlin")
                    .set("platforms[0].windowPolicy", "rollback"));

    String config =
        Manifests.named(docs, "ConfigMap", "lockstep-config").at("/data/lockstep.yml").asText();

    assertThat(config)
        .contains("alpha:")
        .contains("alpha-db")
        .contains("windows: [\"Sat 22:00-04:00 Europe/Berlin\"]")
        .contains("window-policy: rollback");
    JsonNode executor =
        Manifests.named(docs, "Deployment", "lockstep-executor")
            .at("/spec/template/spec/containers/0");
    assertThat(env(executor, "MICRONAUT_CONFIG_FILES").path("value").asText())
        .isEqualTo("/etc/lockstep/lockstep.yml");
  }

  @Test
  void valuesThatBreakTheSchemaAreRefused() {
    assertThatThrownBy(() -> Manifests.render(t -> t.set("services.planner.port", "eighty")))
        .hasMessageContaining("port");
    assertThatThrownBy(
            () -> Manifests.render(t -> t.set("platforms[0].namespaces[0]", "Not_A_Namespace")))
        .hasMessageContaining("namespaces");
  }

  @Test
  void noClusterWideObjectIsRendered() {
    Set<String> kinds = new HashSet<>();
    DEFAULT.forEach(d -> kinds.add(d.path("kind").asText()));

    assertThat(kinds)
        .doesNotContain(
            "ClusterRole", "ClusterRoleBinding", "Namespace", "CustomResourceDefinition");
  }

  static JsonNode env(JsonNode container, String name) {
    List<String> names = new ArrayList<>();
    for (JsonNode variable : container.path("env")) {
      if (name.equals(variable.path("name").asText())) {
        return variable;
      }
      names.add(variable.path("name").asText());
    }
    throw new AssertionError("no env " + name + " in " + names);
  }
}
