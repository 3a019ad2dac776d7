package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every setting the chart gives a service through its environment is one the service reads: a key
 * of its application.yml or of the runtime's defaults, a placeholder in its code, or under a
 * configuration-properties prefix it declares. A renamed property fails here, not in production.
 */
class ServiceConfigurationTest {
  private static final Set<String> PLATFORM_VARIABLES =
      Set.of("JAVA_TOOL_OPTIONS", "MICRONAUT_CONFIG_FILES", "MICRONAUT_SERVER_PORT");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9.\\-]+)");
  private static final Pattern PREFIX =
      Pattern.compile("@ConfigurationProperties\\(\"([a-z0-9.\\-]+)\"\\)");

  @Test
  void everyVariableTheChartSetsNamesAPropertyTheServiceReads() {
    for (String service : Manifests.SERVICES) {
      Known known = known(service);
      JsonNode container =
          Manifests.named(Manifests.render(t -> t), "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0");
      List<String> unknown = new ArrayList<>();
      for (JsonNode variable : container.path("env")) {
        String name = variable.path("name").asText();
        if (!PLATFORM_VARIABLES.contains(name) && !known.reads(name)) {
          unknown.add(name);
        }
      }
      assertThat(unknown).as("variables the %s does not read", service).isEmpty();
    }
  }

  /** So does every variable the chart gives the console, its OIDC sign-in included. */
  @Test
  void everyVariableTheChartSetsOnTheConsoleNamesAPropertyItReads() {
    Known known = known("console");
    JsonNode container =
        Manifests.named(
                Manifests.render(
                    t ->
                        t.set("console.oidc.issuer", "https://idp.example.org/realms/ops")
                            .set("console.oidc.clientId", "lockstep-console")
                            .set("console.oidc.clientSecret.existingSecret", "console-oidc")
                            .set("console.oidc.baseUrl", "https://lockstep.example.org")
                            .set("console.oidc.name", "Example SSO")),
                "Deployment",
                "lockstep-console")
            .at("/spec/template/spec/containers/0");
    List<String> unknown = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (JsonNode variable : container.path("env")) {
      String name = variable.path("name").asText();
      all.add(name);
      if (!PLATFORM_VARIABLES.contains(name) && !known.reads(name)) {
        unknown.add(name);
      }
    }
    assertThat(all).contains("LOCKSTEP_CONSOLE_OIDC_CLIENT_SECRET", "LOCKSTEP_CONSOLE_OIDC_NAME");
    assertThat(unknown).as("variables the console does not read").isEmpty();
  }

  /**
   * With an identity provider configured, every service verifies its tokens (the JWKS address,
   * issuer and audience, names the service reads) and gets no shared signing secret at all.
   */
  @Test
  void withAnIdentityProviderTheServicesGetItsJwksIssuerAndAudienceAndNoSecret() {
    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.set("jwt.jwksUrl", "https://idp.example.org/realms/platform/certs")
                    .set("jwt.issuer", "https://idp.example.org/realms/platform")
                    .set("jwt.audience", "lockstep"));
    for (String service : Manifests.SERVICES) {
      Known known = known(service);
      Map<String, String> env = new java.util.HashMap<>();
      for (JsonNode variable :
          Manifests.named(docs, "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0")
              .path("env")) {
        env.put(variable.path("name").asText(), variable.path("value").asText());
      }
      assertThat(env)
          .as(service)
          .containsEntry(
              "LOCKSTEP_SECURITY_JWKS_URL", "https://idp.example.org/realms/platform/certs")
          .containsEntry("LOCKSTEP_SECURITY_ISSUER", "https://idp.example.org/realms/platform")
          .containsEntry("LOCKSTEP_SECURITY_AUDIENCE", "lockstep")
          .doesNotContainKey("LOCKSTEP_SECURITY_JWT_SECRET");
      assertThat(known.reads("LOCKSTEP_SECURITY_JWKS_URL")).as(service).isTrue();
      assertThat(known.reads("LOCKSTEP_SECURITY_AUDIENCE")).as(service).isTrue();
    }
  }

  /**
   * CDEvents sinks set in the chart reach the notifier as settings it reads; with none set, it gets
   * none (CDEvents stay off).
   */
  @Test
  void cdEventsSinksReachTheNotifierAsSettingsItReads() {
    JsonNode container =
        Manifests.named(
                Manifests.render(
                    t ->
                        t.set("notifier.cdevents.httpUrl", "https://events.example.com/cdevents")
                            .set("notifier.cdevents.tokenSecret", "CDEVENTS_TOKEN")
                            .set("notifier.cdevents.kafkaTopic", "cdevents")
                            .set("notifier.cdevents.kafkaMode", "structured")),
                "Deployment",
                "lockstep-notifier")
            .at("/spec/template/spec/containers/0");
    Map<String, String> env = new java.util.HashMap<>();
    container.path("env").forEach(v -> env.put(v.path("name").asText(), v.path("value").asText()));
    assertThat(env)
        .containsEntry("LOCKSTEP_NOTIFIER_CDEVENTS_HTTP_URL", "https://events.example.com/cdevents")
        .containsEntry("LOCKSTEP_NOTIFIER_CDEVENTS_HTTP_MODE", "binary")
        .containsEntry("LOCKSTEP_NOTIFIER_CDEVENTS_HTTP_TOKEN_SECRET", "CDEVENTS_TOKEN")
        .containsEntry("LOCKSTEP_NOTIFIER_CDEVENTS_KAFKA_TOPIC", "cdevents")
        .containsEntry("LOCKSTEP_NOTIFIER_CDEVENTS_KAFKA_MODE", "structured");
    Known known = known("notifier");
    assertThat(
            env.keySet().stream().filter(n -> n.contains("CDEVENTS")).filter(n -> !known.reads(n)))
        .isEmpty();
    JsonNode off =
        Manifests.named(Manifests.render(t -> t), "Deployment", "lockstep-notifier")
            .at("/spec/template/spec/containers/0/env");
    assertThat(off.toString()).doesNotContain("CDEVENTS");
  }

  /** The configuration keys a service reads, normalised as Micronaut matches variables. */
  record Known(Set<String> keys, Set<String> prefixes) {
    boolean reads(String variable) {
      String key = normalise(variable);
      return keys.contains(key)
          || prefixes.stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length())
          || key.startsWith("lockstepkafkaproperties");
    }
  }

  private static Known known(String service) {
    Set<String> keys = new HashSet<>();
    Set<String> prefixes = new HashSet<>();
    List<Path> sources = new ArrayList<>();
    sources.add(Manifests.ROOT.resolve("services/" + service + "/src/main"));
    sources.add(Manifests.ROOT.resolve("services/runtime/src/main"));
    for (Path root : sources) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          String name = file.getFileName().toString();
          if (name.endsWith(".java")) {
            String text = Files.readString(file);
            collect(PLACEHOLDER.matcher(text), keys);
            collect(PREFIX.matcher(text), prefixes);
          } else if (name.endsWith(".yml")) {
            flatten("", Manifests.read(file), keys);
            collect(PLACEHOLDER.matcher(Files.readString(file)), keys);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Known(keys, prefixes);
  }

  private static void collect(Matcher matcher, Set<String> into) {
    while (matcher.find()) {
      into.add(normalise(matcher.group(1)));
    }
  }

  private static void flatten(String prefix, JsonNode node, Set<String> into) {
    if (node == null || !node.isObject()) {
      into.add(normalise(prefix));
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      flatten(
          prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(),
          field.getValue(),
          into);
    }
  }

  private static String normalise(String key) {
    return key.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "");
  }
}
