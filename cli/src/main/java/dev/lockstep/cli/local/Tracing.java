package dev.lockstep.cli.local;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the local mode's services send their spans: the OpenTelemetry settings each service gets
 * ({@code otel.*}, the same as the standard {@code OTEL_*} variables), and the URL of a trace in
 * the viewer, which the post-mortem links ({@code lockstep.tracing.viewer-url}).
 *
 * @param exporter {@code otlp} or {@code zipkin}
 * @param endpoint the OTLP base URL ({@code /v1/traces} below it), or Zipkin's span intake
 * @param viewerUrl a trace's page with {@code {traceId}} in it, or null when there is no viewer
 */
public record Tracing(String exporter, String endpoint, String viewerUrl) {

  /** Spans to a Zipkin server that the local mode starts ({@code lockstep local --tracing}). */
  public static Tracing viewer() {
    return new Tracing("zipkin", null, null);
  }

  /** Whether this asks the local mode to start its trace viewer. */
  boolean startsViewer() {
    return endpoint == null;
  }

  /** Spans to an OTLP receiver over HTTP with protobuf bodies, as to an OpenTelemetry collector. */
  public static Tracing otlp(String endpoint) {
    return new Tracing("otlp", endpoint, null);
  }

  /** Spans to a Zipkin server at the base URL, whose UI shows each trace. */
  public static Tracing zipkin(String baseUrl) {
    return new Tracing("zipkin", baseUrl + "/api/v2/spans", baseUrl + "/zipkin/traces/{traceId}");
  }

  /** The trace's URL in the viewer, or null. */
  public String traceUrl(String traceId) {
    return viewerUrl == null || traceId == null ? null : viewerUrl.replace("{traceId}", traceId);
  }

  /** The services' {@code otel:} settings. */
  Map<String, Object> otel() {
    Map<String, Object> exporter = new LinkedHashMap<>();
    if (this.exporter.equals("otlp")) {
      exporter.put("otlp", Map.of("protocol", "http/protobuf", "endpoint", endpoint));
    } else {
      exporter.put(this.exporter, Map.of("endpoint", endpoint));
    }
    Map<String, Object> otel = new LinkedHashMap<>();
    otel.put("traces", Map.of("exporter", this.exporter, "sampler", "parentbased_always_on"));
    otel.put("exporter", exporter);
    // spans leave within a fifth of a second (the SDK's default waits 5 s)
    otel.put("bsp", Map.of("schedule", Map.of("delay", "200")));
    return otel;
  }
}
