package dev.lockstep.runtime.tracing;

import dev.lockstep.events.EventEnvelope;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
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
  private static final int MAX_LINKS = 64;
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
    Span span =
        tracer
            .spanBuilder(consumer + " " + event.type())
            .setParent(contextOf(event))
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute("lockstep.event.id", event.id())
            .setAttribute("lockstep.platform", event.platform())
            .startSpan();
    if (event.subject() != null) {
      span.setAttribute("lockstep.upgrade.id", event.subject());
    }
    return new Handling(span, span.makeCurrent());
  }

  /**
   * Starts a span for work that an event caused, and makes it current until closed: a child of the
   * current span when there is one, else of the event's {@code traceparent} (work done later, on a
   * timer or a worker thread, stays in the event's trace). It carries the event's platform and
   * upgrade. It began at {@code began} (or now if null).
   */
  public Handling work(String name, EventEnvelope cause, Instant began) {
    Context parent =
        Span.current().getSpanContext().isValid() ? Context.current() : contextOf(cause);
    return current(open(name, parent, cause, began));
  }

  /**
   * Starts a span, not current, child of {@code parent}, with the event's platform and upgrade when
   * an event is given: for work that spans several events (a wave), ended by its owner.
   */
  public Span open(String name, Context parent, EventEnvelope about) {
    return open(name, parent, about, null);
  }

  private Span open(String name, Context parent, EventEnvelope about, Instant began) {
    SpanBuilder builder = tracer.spanBuilder(name).setParent(parent);
    if (began != null) {
      builder.setStartTimestamp(began);
    }
    Span span = builder.startSpan();
    if (about != null) {
      span.setAttribute("lockstep.platform", about.platform());
      if (about.subject() != null) {
        span.setAttribute("lockstep.upgrade.id", about.subject());
      }
    }
    return span;
  }

  /**
   * Starts a span, not current, for work on several events of one trace at once (a batch write): a
   * child of the first event's trace context, linked to the others'.
   */
  public Span openFor(String name, List<EventEnvelope> events) {
    EventEnvelope first = events.get(0);
    SpanBuilder builder = tracer.spanBuilder(name).setParent(contextOf(first));
    for (EventEnvelope other : events.subList(1, Math.min(events.size(), MAX_LINKS + 1))) {
      SpanContext linked = Span.fromContext(contextOf(other)).getSpanContext();
      if (linked.isValid()) {
        builder.addLink(linked);
      }
    }
    Span span = builder.startSpan();
    span.setAttribute("lockstep.platform", first.platform());
    if (first.subject() != null) {
      span.setAttribute("lockstep.upgrade.id", first.subject());
    }
    span.setAttribute("lockstep.events", events.size());
    return span;
  }

  /**
   * Starts a span that begins a trace of its own, with a link to {@code linked} (the span context
   * of the trace it follows from), made current until closed: a rollback's planning. It began at
   * {@code began} (or now if null).
   */
  public Handling newTrace(String name, SpanContext linked, Instant began) {
    SpanBuilder builder = tracer.spanBuilder(name).setNoParent();
    if (linked.isValid()) {
      builder.addLink(linked);
    }
    if (began != null) {
      builder.setStartTimestamp(began);
    }
    return current(builder.startSpan());
  }

  /** Makes a started span current; closing the handling ends it. */
  public static Handling current(Span span) {
    return new Handling(span, span.makeCurrent());
  }

  /** The trace context an event carries, or the root context when it carries none. */
  public Context contextOf(EventEnvelope event) {
    return contextOf(event == null ? null : event.traceparent());
  }

  /** The trace context of a W3C {@code traceparent}, or the root context when it is null. */
  public Context contextOf(String traceparent) {
    if (traceparent == null) {
      return Context.root();
    }
    return openTelemetry
        .getPropagators()
        .getTextMapPropagator()
        .extract(Context.root(), Map.of(TRACEPARENT, traceparent), GETTER);
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

    /** Sets an attribute of the span. */
    public Handling attribute(String key, String value) {
      if (value != null) {
        span.setAttribute(key, value);
      }
      return this;
    }

    /** Sets an attribute of the span. */
    public Handling attribute(String key, long value) {
      span.setAttribute(key, value);
      return this;
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
