package dev.lockstep.runtime.tracing;

import dev.lockstep.events.EventEnvelope;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;

/**
 * Carries the OpenTelemetry trace context through events, so that one upgrade is one trace across
 * the five services: a published event gets the {@code traceparent} of the current span (or of a
 * new trace when there is none), and handling an event runs inside a span whose parent is the
 * event's {@code traceparent}.
 */
@Singleton
public class EventTracing {
  private static final String TRACEPARENT = "traceparent";
  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };
  private static final TextMapSetter<Map<String, String>> SETTER = Map::put;

  private final OpenTelemetry openTelemetry;
  private final Tracer tracer;

  public EventTracing(OpenTelemetry openTelemetry) {
    this.openTelemetry = openTelemetry;
    this.tracer = openTelemetry.getTracer("dev.lockstep");
  }

  /**
   * The event with a {@code traceparent}: the current span's when there is one, else its own if it
   * already carries one, else a new trace's.
   */
  public EventEnvelope stamp(EventEnvelope event) {
    if (Span.current().getSpanContext().isValid()) {
      return event.withTraceparent(traceparent(Context.current()));
    }
    if (event.traceparent() != null) {
      return event;
    }
    Span root =
        tracer.spanBuilder("publish " + event.type()).setSpanKind(SpanKind.PRODUCER).startSpan();
    try {
      return event.withTraceparent(traceparent(Context.current().with(root)));
    } finally {
      root.end();
    }
  }

  /** Starts a consumer span whose parent is the event's trace context, and makes it current. */
  public Handling handling(EventEnvelope event, String consumer) {
    Context parent = Context.root();
    if (event.traceparent() != null) {
      parent =
          openTelemetry
              .getPropagators()
              .getTextMapPropagator()
              .extract(Context.root(), Map.of(TRACEPARENT, event.traceparent()), GETTER);
    }
    Span span =
        tracer
            .spanBuilder(consumer + " " + event.type())
            .setParent(parent)
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute("lockstep.event.id", event.id())
            .setAttribute("lockstep.platform", event.platform())
            .startSpan();
    if (event.subject() != null) {
      span.setAttribute("lockstep.upgrade.id", event.subject());
    }
    return new Handling(span, span.makeCurrent());
  }

  /** The trace id of an event's {@code traceparent}, or null. */
  public static String traceId(String traceparent) {
    if (traceparent == null || traceparent.length() < 55) {
      return null;
    }
    return traceparent.substring(3, 35);
  }

  private String traceparent(Context context) {
    Map<String, String> carrier = new HashMap<>();
    openTelemetry.getPropagators().getTextMapPropagator().inject(context, carrier, SETTER);
    String value = carrier.get(TRACEPARENT);
    if (value != null) {
      return value;
    }
    SpanContext span = Span.fromContext(context).getSpanContext();
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
  }

  /** A span in progress around the handling of one event; closing it ends the span. */
  public static final class Handling implements AutoCloseable {
    private final Span span;
    private final Scope scope;

    private Handling(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }

    /** Marks the handling as failed. */
    public void failed(Throwable error) {
      span.recordException(error);
      span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, error.getMessage());
    }

    @Override
    public void close() {
      scope.close();
      span.end();
    }
  }
}
