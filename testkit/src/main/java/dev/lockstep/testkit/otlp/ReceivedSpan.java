package dev.lockstep.testkit.otlp;

import java.util.List;
import java.util.Map;

/**
 * A span as an {@link OtlpReceiver} received it over OTLP: ids in lower-case hex, times in Unix
 * nanoseconds, attribute values as text.
 *
 * @param service the {@code service.name} of the span's resource
 * @param parentSpanId null for a trace's root span
 * @param kind {@code SPAN_KIND_INTERNAL}, {@code SPAN_KIND_CONSUMER} ...
 * @param status {@code STATUS_CODE_UNSET}, {@code STATUS_CODE_OK} or {@code STATUS_CODE_ERROR}
 */
public record ReceivedSpan(
    String service,
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    String kind,
    long startNanos,
    long endNanos,
    Map<String, String> attributes,
    List<Link> links,
    String status) {

  /** A link to another span, as a rollback's planning links to its upgrade's trace. */
  public record Link(String traceId, String spanId) {}

  /** An attribute's value, or null. */
  public String attribute(String key) {
    return attributes == null ? null : attributes.get(key);
  }
}
