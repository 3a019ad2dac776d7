package dev.lockstep.executor.running;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.executor.saga.Decision;
import dev.lockstep.runtime.tracing.EventTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The executor's spans in an upgrade's trace: {@code wave N} under the handling of the upgrade's
 * plan, from its first step or gate until a later wave starts or the upgrade ends; {@code step
 * <action> <component>} under its wave, one per attempt, with the cluster calls ({@code cluster
 * read}, {@code cluster apply}, {@code cluster wait}) under it. The gates of a wave are requested
 * in its span, so the validator's measurements are its descendants. A session keeps its spans; an
 * instance that takes an upgrade over opens new ones under the same plan.
 */
final class SagaTracing {
  private final EventTracing tracing;

  SagaTracing(EventTracing tracing) {
    this.tracing = tracing;
  }

  /** Remembers the context current now (the handling of the upgrade's plan) as its spans' root. */
  void planHandled(Session session) {
    if (Span.current().getSpanContext().isValid()) {
      session.trace = Context.current();
    }
  }

  /** The root of a taken-over upgrade's spans: the trace context of its plan's event. */
  void resumed(Session session, List<EventEnvelope> events) {
    events.stream()
        .filter(event -> event.data() instanceof PlanCreated)
        .findFirst()
        .ifPresent(plan -> session.trace = tracing.contextOf(plan));
  }

  /**
   * The context of the wave's span, opened now if the wave has none (which ends the spans of the
   * waves before it). Called with the session's lock held.
   */
  Context wave(Session session, int wave) {
    Span span = session.waves.get(wave);
    if (span == null) {
      for (Map.Entry<Integer, Span> earlier : session.waves.entrySet()) {
        if (earlier.getKey() < wave) {
          earlier.getValue().end();
        }
      }
      session.waves.keySet().removeIf(index -> index < wave);
      Context parent = session.trace != null ? session.trace : Context.current();
      Span opened = tracing.open("wave " + wave, parent, null);
      opened.setAttribute("lockstep.upgrade.id", session.upgradeId);
      opened.setAttribute("lockstep.platform", session.platform);
      opened.setAttribute("lockstep.wave", wave);
      session.saga.plan().ifPresent(p -> opened.setAttribute("lockstep.mode", p.mode().wire()));
      session.waves.put(wave, opened);
      span = opened;
    }
    return Context.current().with(span);
  }

  /** Opens the span of a step's attempt under its wave. Called with the session's lock held. */
  Span step(Session session, Decision.RunStep run) {
    var step = run.step();
    Span span =
        tracing.open(
            "step " + step.action().wire() + " " + step.component(),
            wave(session, run.wave()),
            null);
    span.setAttribute("lockstep.upgrade.id", session.upgradeId);
    span.setAttribute("lockstep.platform", session.platform);
    span.setAttribute("lockstep.step.id", step.id());
    span.setAttribute("lockstep.component", step.component());
    span.setAttribute("lockstep.attempt", run.attempt());
    if (step.to() != null) {
      span.setAttribute("lockstep.version", step.to());
    }
    return span;
  }

  /**
   * Runs cluster calls of the current step in a span {@code cluster <what>}, marked failed when
   * they throw.
   */
  <T> T cluster(String what, Decision.RunStep run, Supplier<T> calls) {
    try (EventTracing.Handling span =
        EventTracing.current(tracing.open("cluster " + what, Context.current(), null))
            .attribute("lockstep.step.id", run.step().id())) {
      try {
        return calls.get();
      } catch (RuntimeException e) {
        span.failed(e);
        throw e;
      }
    }
  }

  /** Opens the span of the wait for what the current step applied; its owner ends it. */
  Span waiting(Decision.RunStep run) {
    Span span = tracing.open("cluster wait", Context.current(), null);
    span.setAttribute("lockstep.step.id", run.step().id());
    return span;
  }

  /** Ends the spans of the session's waves: the upgrade has ended here. */
  void finished(Session session) {
    session.waves.values().forEach(Span::end);
    session.waves.clear();
  }
}
