package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each service's NetworkPolicy lets in only this release's pods and namespaces carrying the
 * configured labels, and lets out only what the service talks to: Kafka and DNS for all, PostgreSQL
 * for the notifier and the recorder, the API server for the executor and the validator, the gate
 * hosts for the validator, the channel hosts for the notifier.
 */
class NetworkPolicyTest {
  private static final List<JsonNode> DEFAULT = Manifests.render(t -> t);

  private static final Map<String, List<String>> DESTINATIONS =
      Map.of(
          "planner", List.of("kafka", "dns"),
          "executor", List.of("kafka", "dns", "apiServer"),
          "validator", List.of("kafka", "dns", "apiServer", "gates"),
          "notifier", List.of("kafka", "dns", "postgres", "channels"),
          "rca-recorder", List.of("kafka", "dns", "postgres"));

  @Test
  void onlyLabelledNamespacesAndTheReleasesOwnPodsGetIn() {
    for (String service : Manifests.SERVICES) {
      JsonNode policy = policy(DEFAULT, service);
      JsonNode ingress = policy.at("/spec/ingress");

      assertThat(policy.at("/spec/policyTypes").toString()).contains("Ingress", "Egress");
      assertThat(ingress).hasSize(1);
      assertThat(ingress.at("/0/ports/0/port").asInt())
          .isEqualTo(Manifests.configuredPort(service));
      assertThat(ingress.at("/0/from"))
          .as("who may reach the %s", service)
          .containsExactlyInAnyOrder(
              Manifests.YAML.valueToTree(
                  Map.of(
                      "podSelector",
                      Map.of(
                          "matchLabels",
                          Map.of(
                              "app.kubernetes.io/name", "lockstep",
                              "app.kubernetes.io/instance", "lockstep")))),
              Manifests.YAML.valueToTree(
                  Map.of(
                      "namespaceSelector",
                      Map.of("matchLabels", Map.of("lockstep.dev/access", "true")))));
    }
  }

  @Test
  void theIngressLabelIsConfigurable() {
    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.withValuesFile(
                    Manifests.valuesFile(
                        """
                        networkPolicy:
                          ingress:
                            namespaceLabels: { "lockstep.dev/access": null, team: platform }
                            extraFrom:
                              - ipBlock: { cidr: 10.20.0.0/16 }
                        """)));

    JsonNode from = policy(docs, "planner").at("/spec/ingress/0/from");
    assertThat(from.toString())
        .contains("{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"platform\"}}}")
        .contains("{\"ipBlock\":{\"cidr\":\"10.20.0.0/16\"}}")
        .doesNotContain("lockstep.dev/access");
  }

  @Test
  void eachServiceMayReachOnlyWhatItTalksTo() {
    for (String service : Manifests.SERVICES) {
      JsonNode egress = policy(DEFAULT, service).at("/spec/egress");
      List<String> peers = new ArrayList<>();
      for (JsonNode rule : egress) {
        assertThat(rule.path("to").size())
            .as("an egress rule of the %s without peers lets it reach anything", service)
            .isPositive();
        peers.add(rule.path("to").toString() + rule.path("ports"));
      }

      assertThat(String.join("\n", peers))
          .as("%s's egress", service)
          .contains("kubernetes.io/metadata.name\":\"kafka\"")
          .contains("\"port\":9092")
          .contains("k8s-app\":\"kube-dns\"");
      boolean postgres = DESTINATIONS.get(service).contains("postgres");
      boolean apiServer = DESTINATIONS.get(service).contains("apiServer");
      boolean gates = DESTINATIONS.get(service).contains("gates");
      assertThat(peers.stream().anyMatch(p -> p.contains("postgresql")))
          .as("%s reaches PostgreSQL", service)
          .isEqualTo(postgres);
      assertThat(peers.stream().anyMatch(p -> p.contains("\"port\":6443")))
          .as("%s reaches the API server", service)
          .isEqualTo(apiServer);
      assertThat(peers.stream().anyMatch(p -> p.contains("\"port\":9090")))
          .as("%s reaches Prometheus", service)
          .isEqualTo(gates);
      // the notifier reaches no channel until its hosts are configured
      assertThat(egress)
          .hasSize(DESTINATIONS.get(service).size() - (service.equals("notifier") ? 1 : 0));
    }
  }

  @Test
  void theConsoleReachesThePlannerRecorderNotifierAndIdentityProviderButNoKafka() {
    JsonNode policy = policy(DEFAULT, "console");
    assertThat(policy.at("/spec/ingress/0/ports/0/port").asInt())
        .isEqualTo(Manifests.configuredPort("console"));
    JsonNode egress = policy.at("/spec/egress");
    List<String> reached = new ArrayList<>();
    for (JsonNode rule : egress) {
      assertThat(rule.path("to").size()).as("a console egress rule without peers").isPositive();
      reached.add(rule.path("to").toString() + rule.path("ports"));
    }
    assertThat(String.join("\n", reached))
        .contains("k8s-app\":\"kube-dns\"")
        .contains("\"app.kubernetes.io/component\":\"planner\"")
        .contains("\"port\":" + Manifests.configuredPort("planner"))
        .contains("\"app.kubernetes.io/component\":\"rca-recorder\"")
        .contains("\"port\":" + Manifests.configuredPort("rca-recorder"))
        .contains("\"app.kubernetes.io/component\":\"notifier\"")
        .contains("\"port\":" + Manifests.configuredPort("notifier"))
        .doesNotContain("kafka")
        .doesNotContain("9092")
        .doesNotContain("postgresql")
        .doesNotContain("6443");
    // DNS and the three services; the identity provider only once it has peers
    assertThat(egress).hasSize(4);

    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.withValuesFile(
                    Manifests.valuesFile(
                        """
                        networkPolicy:
                          egress:
                            identityProvider:
                              to: [{ ipBlock: { cidr: 192.0.2.10/32 } }]
                              ports: [{ port: 443, protocol: TCP }]
                        """)));
    assertThat(policy(docs, "console").at("/spec/egress").toString()).contains("192.0.2.10/32");
    for (String service : Manifests.SERVICES) {
      assertThat(policy(docs, service).at("/spec/egress").toString())
          .as("%s: identity provider rule", service)
          .doesNotContain("192.0.2.10/32");
    }
  }

  @Test
  void theGateAndChannelHostsAreConfigurableAndGoOnlyToTheirService() {
    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.withValuesFile(
                    Manifests.valuesFile(
                        """
                        networkPolicy:
                          egress:
                            apiServer:
                              to: [{ ipBlock: { cidr: 172.20.0.10/32 } }]
                              ports: [{ port: 443, protocol: TCP }]
                            gates:
                              to: [{ ipBlock: { cidr: 198.51.100.7/32 } }]
                              ports: [{ port: 443, protocol: TCP }]
                            channels:
                              to: [{ ipBlock: { cidr: 203.0.113.0/24 } }]
                              ports: [{ port: 587, protocol: TCP }]
                            postgres:
                              to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: db } } }]
                        """)));

    for (String service : Manifests.SERVICES) {
      String egress = policy(docs, service).at("/spec/egress").toString();
      List<String> d = DESTINATIONS.get(service);
      assertThat(egress.contains("198.51.100.7/32"))
          .as("%s: gate host", service)
          .isEqualTo(d.contains("gates"));
      assertThat(egress.contains("203.0.113.0/24"))
          .as("%s: channel host", service)
          .isEqualTo(d.contains("channels"));
      assertThat(egress.contains("172.20.0.10/32"))
          .as("%s: API server", service)
          .isEqualTo(d.contains("apiServer"));
      assertThat(egress.contains("\"db\""))
          .as("%s: PostgreSQL", service)
          .isEqualTo(d.contains("postgres"));
      assertThat(egress).doesNotContain("0.0.0.0/0");
    }
  }

  @Test
  void aDestinationWithoutPeersIsRefusedOrLeftOutNeverOpenedToAll() {
    List<JsonNode> docs =
        Manifests.render(
            t ->
                t.withValuesFile(
                    Manifests.valuesFile(
                        """
                        networkPolicy:
                          egress:
                            gates: { to: [], ports: [{ port: 443 }] }
                        """)));
    for (JsonNode rule : policy(docs, "validator").at("/spec/egress")) {
      assertThat(rule.path("to").size()).isPositive();
    }

    assertThatThrownBy(
            () ->
                Manifests.render(
                    t ->
                        t.withValuesFile(
                            Manifests.valuesFile(
                                """
                                networkPolicy:
                                  ingress:
                                    extraFrom: [{}]
                                """))))
        .hasMessageContaining("extraFrom");
  }

  @Test
  void egressCanBeLeftToTheClusterAndPoliciesTurnedOff() {
    List<JsonNode> noEgress = Manifests.render(t -> t.set("networkPolicy.egress.enabled", "false"));
    assertThat(policy(noEgress, "planner").at("/spec/policyTypes").toString())
        .doesNotContain("Egress");
    assertThat(policy(noEgress, "planner").has("spec")).isTrue();
    assertThat(policy(noEgress, "planner").at("/spec/egress").isMissingNode()).isTrue();

    List<JsonNode> none = Manifests.render(t -> t.set("networkPolicy.enabled", "false"));
    assertThat(Manifests.ofKind(none, "NetworkPolicy")).isEmpty();
  }

  private static JsonNode policy(List<JsonNode> docs, String service) {
    return Manifests.named(docs, "NetworkPolicy", "lockstep-" + service);
  }
}
