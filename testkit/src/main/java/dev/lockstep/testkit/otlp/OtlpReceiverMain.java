package dev.lockstep.testkit.otlp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * An OpenTelemetry collector's trace intake, as a process of its own ({@link OtlpReceiver} starts
 * it): OTLP over HTTP with protobuf bodies on {@code POST /v1/traces} (gzip or not), decoded with
 * the protocol's own schema, answered as a collector answers; {@code GET /spans} gives every span
 * received so far as JSON ({@link ReceivedSpan}). It prints {@code listening on <port>} once it
 * takes requests, and exits when the process that started it is gone.
 */
public final class OtlpReceiverMain {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<ReceivedSpan> SPANS = new CopyOnWriteArrayList<>();

  private OtlpReceiverMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: OtlpReceiverMain <parent pid>");
      System.exit(2);
    }
    ProcessHandle.of(Long.parseLong(args[0]))
        .ifPresentOrElse(
            parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/v1/traces", OtlpReceiverMain::traces);
    server.createContext("/spans", OtlpReceiverMain::spans);
    server.start();
    System.out.println("listening on " + server.getAddress().getPort());
    System.out.flush();
  }

  private static void traces(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      String type = exchange.getRequestHeaders().getFirst("Content-Type");
      if (type == null || !type.startsWith("application/x-protobuf")) {
        // OTLP/HTTP JSON is not spoken here
        exchange.sendResponseHeaders(415, -1);
        return;
      }
      InputStream body = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
      for (ResourceSpans resource : request.getResourceSpansList()) {
        Map<String, String> resourceAttributes =
            attributes(resource.getResource().getAttributesList());
        String service = resourceAttributes.getOrDefault("service.name", "");
        for (ScopeSpans scope : resource.getScopeSpansList()) {
          for (Span span : scope.getSpansList()) {
            SPANS.add(received(service, span));
          }
        }
      }
      byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer);
        }
      }
    } catch (RuntimeException e) {
      exchange.sendResponseHeaders(400, -1);
    }
  }

  private static void spans(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] json = JSON.writeValueAsBytes(new ArrayList<>(SPANS));
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, json.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(json);
      }
    }
  }

  private static ReceivedSpan received(String service, Span span) {
    List<ReceivedSpan.Link> links = new ArrayList<>();
    for (Span.Link link : span.getLinksList()) {
      links.add(new ReceivedSpan.Link(hex(link.getTraceId()), hex(link.getSpanId())));
    }
    return new ReceivedSpan(
        service,
        hex(span.getTraceId()),
        hex(span.getSpanId()),
        span.getParentSpanId().isEmpty() ? null : hex(span.getParentSpanId()),
        span.getName(),
        span.getKind().name(),
        span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(),
        attributes(span.getAttributesList()),
        links,
        span.getStatus().getCode().name());
  }

  private static Map<String, String> attributes(List<KeyValue> values) {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (KeyValue value : values) {
      attributes.put(value.getKey(), text(value.getValue()));
    }
    return attributes;
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case INT_VALUE -> Long.toString(value.getIntValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> value.toString().trim();
    };
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }
}
