package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** docker-compose.yml names the chart's services and topics and wires them the same way. */
class ComposeFileTest {
  private static final JsonNode COMPOSE =
      Manifests.read(Manifests.ROOT.resolve("docker-compose.yml"));
  private static final List<JsonNode> CHART = Manifests.render(t -> t);

  /** The chart with spans to an OTLP collector: compose offers the same variables. */
  private static final List<JsonNode> CHART_WITH_TRACING =
      Manifests.render(
          """
                      tracing:
                        exporter: otlp
                        endpoint: http://otel-collector:4318
                        viewerUrl: http://zipkin:9411/zipkin/traces/{traceId}
                      """);

  private static final List<String> WITH_CONSOLE =
      java.util.stream.Stream.concat(
              Manifests.SERVICES.stream(), java.util.stream.Stream.of("console"))
          .toList();

  @Test
  void composeRunsTheFiveServicesAndTheConsoleBesideKafkaPostgresAndPrometheus() {
    Set<String> names = new TreeSet<>();
    COMPOSE.path("services").fieldNames().forEachRemaining(names::add);
    Set<String> chartServices = new TreeSet<>();
    for (JsonNode deployment : Manifests.ofKind(CHART, "Deployment")) {
      chartServices.add(deployment.at("/metadata/labels/app.kubernetes.io~1component").asText());
    }

    assertThat(chartServices).containsExactlyInAnyOrderElementsOf(WITH_CONSOLE);
    Set<String> expected = new TreeSet<>(chartServices);
    expected.addAll(List.of("kafka", "kafka-init", "postgres", "prometheus"));
    assertThat(names).isEqualTo(expected);
  }

  /**
   * The same port and variables as the chart's (with tracing to a collector configured: compose
   * passes the standard OTEL_* variables through, exporting nothing by default).
   */
  @Test
  void eachServiceHasTheChartsPortAndEnvironment() {
    for (String service : WITH_CONSOLE) {
      JsonNode compose = COMPOSE.path("services").path(service);
      JsonNode container =
          Manifests.named(CHART_WITH_TRACING, "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0");
      int port = Manifests.configuredPort(service);

      assertThat(compose.path("ports").get(0).asText()).isEqualTo(port + ":" + port);
      assertThat(compose.at("/environment/MICRONAUT_SERVER_PORT").asText())
          .isEqualTo(Integer.toString(port));
      Set<String> chartEnv = new HashSet<>();
      container.path("env").forEach(e -> chartEnv.add(e.path("name").asText()));
      chartEnv.remove("JAVA_TOOL_OPTIONS");
      Set<String> composeEnv = new HashSet<>();
      compose.path("environment").fieldNames().forEachRemaining(composeEnv::add);
      assertThat(composeEnv).as("environment of %s", service).isEqualTo(chartEnv);
      assertThat(compose.path("image").asText()).startsWith("lockstep/lockstep-" + service + ":");
      assertThat(compose.at("/environment/LOCKSTEP_SECURITY_JWT_SECRET").asText())
          .as("no secret is written into the compose file")
          .startsWith("${");
      if (!service.equals("console")) {
        assertThat(compose.at("/environment/OTEL_TRACES_EXPORTER").asText())
            .as("%s exports no span unless told to", service)
            .isEqualTo("${OTEL_TRACES_EXPORTER:-none}");
      }
    }
  }

  @Test
  void composeCreatesTheTopicsFromTheSameListAsEveryOtherKafka() {
    JsonNode init = COMPOSE.path("services").path("kafka-init");

    assertThat(init.path("entrypoint").toString())
        .contains("/lockstep-deploy/kafka/create-topics-and-acls.sh");
    // the whole deploy directory: the script reads kafka/topics.txt and the chart's
    // files/kafka-access.txt
    assertThat(init.path("volumes").get(0).asText()).startsWith("./deploy:/lockstep-deploy:");
    assertThat(COMPOSE.at("/services/kafka/environment/KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText())
        .isEqualTo("false");
  }
}
