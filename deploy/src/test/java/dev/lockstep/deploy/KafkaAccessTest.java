package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.deploy.KafkaAccess.Grant;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One list (the chart's files/kafka-access.txt) names each service's Kafka principal, consumer
 * group and topics; the chart, the ACL script and the Strimzi users follow it, and it agrees with
 * the group each service actually joins, so that no service is refused its own group under the
 * shipped ACLs.
 */
class KafkaAccessTest {
  private static final List<JsonNode> CHART = Manifests.render(t -> t);
  private static final JsonNode COMPOSE =
      Manifests.read(Manifests.ROOT.resolve("docker-compose.yml"));

  @Test
  void everyServiceJoinsOnlyConsumerGroupsItsAclsAllow() {
    Map<String, String> principals = KafkaAccess.strimziPrincipals();
    Map<String, Grant> strimzi = KafkaAccess.strimzi();
    Map<String, Grant> script = KafkaAccess.script();

    assertThat(principals.keySet()).containsExactlyInAnyOrderElementsOf(Manifests.SERVICES);
    for (String service : Manifests.SERVICES) {
      Map<String, String> joined = KafkaAccess.joinedGroups(service);
      String principal = principals.get(service);

      assertThat(joined).as("the %s's consumer groups", service).isNotEmpty();
      joined.forEach(
          (property, group) -> {
            assertThat(strimzi.get(principal).groups())
                .as("group prefixes the Strimzi KafkaUser %s may use", principal)
                .anySatisfy(
                    prefix ->
                        assertThat(group)
                            .as("the %s's group (%s)", service, property)
                            .startsWith(prefix));
            assertThat(script.get(principal).groups())
                .as("group prefixes create-topics-and-acls.sh lets User:%s use", principal)
                .anySatisfy(
                    prefix ->
                        assertThat(group)
                            .as("the %s's group (%s)", service, property)
                            .startsWith(prefix));
          });
    }
  }

  @Test
  void theListNamesTheGroupEachServiceJoins() {
    Map<String, Grant> list = KafkaAccess.list();

    assertThat(list.keySet()).containsExactlyInAnyOrderElementsOf(Manifests.SERVICES);
    for (String service : Manifests.SERVICES) {
      Grant listed = list.get(service);

      assertThat(KafkaAccess.joinedGroups(service))
          .as("the %s's group property and the group it joins", service)
          .containsExactly(Map.entry(listed.groupProperty(), listed.group()));
      assertThat(KafkaAccess.strimziPrincipals().get(service)).isEqualTo(listed.principal());
      assertThat(KafkaAccess.strimzi().get(listed.principal()).groups())
          .containsExactly(listed.group());
    }
  }

  @Test
  void theChartComposeAndLocalModeConfigureTheListedGroups() {
    Map<String, Grant> list = KafkaAccess.list();
    for (String service : Manifests.SERVICES) {
      Grant listed = list.get(service);
      String variable =
          listed.groupProperty().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
      JsonNode deployment = Manifests.named(CHART, "Deployment", "lockstep-" + service);
      JsonNode container = deployment.at("/spec/template/spec/containers/0");

      assertThat(HelmChartTest.env(container, variable).path("value").asText())
          .as("%s's group in the chart", service)
          .isEqualTo(listed.group());
      assertThat(COMPOSE.path("services").path(service).path("environment").path(variable).asText())
          .as("%s's group in docker-compose.yml", service)
          .isEqualTo(listed.group());
      assertThat(deployment.at("/metadata/annotations/lockstep.dev~1consumer-group").asText())
          .isEqualTo(listed.group());
    }
    Set<String> groups = new HashSet<>();
    list.values().forEach(g -> groups.add(g.group()));
    assertThat(KafkaAccess.localModeGroups())
        .as("groups the local mode sets (none: it runs with the services' own)")
        .isSubsetOf(groups);
  }

  @Test
  void eachServiceHasItsOwnPrincipalAndItsOwnCredentials() {
    Map<String, Grant> list = KafkaAccess.list();
    Set<String> principals = new HashSet<>();
    list.values().forEach(g -> principals.add(g.principal()));
    assertThat(principals).hasSize(Manifests.SERVICES.size());

    List<JsonNode> docs =
        Manifests.render(
            t -> t.set("kafka.sasl.enabled", "true").set("kafka.sasl.secretPrefix", "kafka-"));
    Set<String> secrets = new HashSet<>();
    for (String service : Manifests.SERVICES) {
      JsonNode container =
          Manifests.named(docs, "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0");
      JsonNode jaas = HelmChartTest.env(container, "LOCKSTEP_KAFKA_PROPERTIES_SASL_JAAS_CONFIG");

      assertThat(jaas.at("/valueFrom/secretKeyRef/name").asText())
          .isEqualTo("kafka-" + list.get(service).principal());
      assertThat(jaas.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("sasl.jaas.config");
      secrets.add(jaas.at("/valueFrom/secretKeyRef/name").asText());
    }
    assertThat(secrets).hasSize(Manifests.SERVICES.size());
    JsonNode plain =
        Manifests.named(CHART, "Deployment", "lockstep-planner")
            .at("/spec/template/spec/containers/0/env");
    assertThat(plain.toString()).doesNotContain("SASL_JAAS_CONFIG");
  }

  @Test
  void theStrimziUsersAreTheOnesGeneratedFromTheList() throws Exception {
    String committed = Files.readString(Manifests.ROOT.resolve("deploy/kafka/strimzi/users.yaml"));

    assertThat(committed)
        .as("deploy/kafka/strimzi/users.yaml is stale: run deploy/kafka/generate-strimzi-users.sh")
        .isEqualTo(KafkaAccess.generatedUsers());
  }
}
