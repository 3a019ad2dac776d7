package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's {@code tracing} values reach every service as the standard OpenTelemetry variables
 * (the collector's headers from a Secret, never in the manifest), and the recorder gets the
 * viewer's URL for its post-mortem links; without an exporter, no service gets any of them.
 */
class TracingSettingsTest {

  @Test
  void anOtlpCollectorReachesEveryServiceWithItsHeadersFromASecret() {
    List<JsonNode> docs =
        Manifests.render(
            """
                        tracing:
                          exporter: otlp
                          endpoint: http://otel-collector.observability:4318
                          headersSecret: otel-headers
                          sampler: parentbased_traceidratio
                          samplerArg: "0.25"
                          viewerUrl: https://tempo.example.org/trace/{traceId}
                        """);
    for (String service : Manifests.SERVICES) {
      JsonNode env =
          Manifests.named(docs, "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0/env");
      assertThat(value(env, "OTEL_TRACES_EXPORTER")).as(service).isEqualTo("otlp");
      assertThat(value(env, "OTEL_EXPORTER_OTLP_ENDPOINT"))
          .isEqualTo("http://otel-collector.observability:4318");
      assertThat(value(env, "OTEL_EXPORTER_OTLP_PROTOCOL")).isEqualTo("http/protobuf");
      assertThat(value(env, "OTEL_TRACES_SAMPLER")).isEqualTo("parentbased_traceidratio");
      assertThat(value(env, "OTEL_TRACES_SAMPLER_ARG")).isEqualTo("0.25");
      JsonNode headers = variable(env, "OTEL_EXPORTER_OTLP_HEADERS");
      assertThat(headers.has("value")).as("headers never in the manifest").isFalse();
      assertThat(headers.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("otel-headers");
      assertThat(value(env, "LOCKSTEP_TRACING_VIEWER_URL"))
          .as(service)
          .isEqualTo(
              service.equals("rca-recorder") ? "https://tempo.example.org/trace/{traceId}" : null);
    }
  }

  @Test
  void withoutAnExporterNoServiceGetsTracingSettings() {
    List<JsonNode> docs = Manifests.render(t -> t);
    for (String service : Manifests.SERVICES) {
      JsonNode env =
          Manifests.named(docs, "Deployment", "lockstep-" + service)
              .at("/spec/template/spec/containers/0/env");
      assertThat(env.toString()).as(service).doesNotContain("OTEL_").doesNotContain("TRACING");
    }
  }

  private static String value(JsonNode env, String name) {
    JsonNode variable = variable(env, name);
    return variable == null ? null : variable.path("value").asText();
  }

  private static JsonNode variable(JsonNode env, String name) {
    for (JsonNode variable : env) {
      if (variable.path("name").asText().equals(name)) {
        return variable;
      }
    }
    return null;
  }
}
