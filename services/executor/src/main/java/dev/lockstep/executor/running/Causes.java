package dev.lockstep.executor.running;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each event the executor publishes for an upgrade names as its cause ({@code causationId}),
 * so that replays and post-mortems follow the real chain rather than whatever was consumed last:
 *
 * <ul>
 *   <li>a step's result ({@code step.succeeded}, {@code step.failed}, {@code step.retried}) names
 *       the step's {@code step.started} (an approval step's result, the {@code step.approved} that
 *       granted it);
 *   <li>a step's start names the previous event about the same step (a retry), else the {@code
 *       step.succeeded} of the component's previous step in the wave, else the event that opened
 *       the wave (the plan, the previous wave's last gate verdict, a resume);
 *   <li>a wave's gate request names the wave's last {@code step.succeeded};
 *   <li>anything else names the event consumed last ({@link Session#cause}).
 * </ul>
 *
 * Safe to use from the runner's and the step workers' threads.
 */
final class Causes {
  private final Map<String, EventEnvelope> lastOfStep = new ConcurrentHashMap<>();
  private final Map<String, EventEnvelope> lastDoneOfComponent = new ConcurrentHashMap<>();
  private final Map<Integer, EventEnvelope> lastDoneOfWave = new ConcurrentHashMap<>();
  private final Map<Integer, EventEnvelope> openers = new ConcurrentHashMap<>();

  /** The cause of {@code payload}, about to be published for the session's upgrade. */
  EventEnvelope of(Session session, EventPayload payload) {
    EventEnvelope consumed = session.cause;
    EventEnvelope cause = null;
    if (payload instanceof StepStarted s) {
      cause = lastOfStep.get(s.stepId());
      if (cause == null) {
        cause = lastDoneOfComponent.get(key(s.wave(), s.component()));
      }
      if (cause == null && consumed != null) {
        cause = openers.computeIfAbsent(s.wave(), wave -> consumed);
      }
    } else if (payload instanceof StepSucceeded s) {
      cause = resultCause(consumed, s.stepId());
    } else if (payload instanceof StepFailed s) {
      cause = resultCause(consumed, s.stepId());
    } else if (payload instanceof StepRetried s) {
      cause = lastOfStep.get(s.stepId());
    } else if (payload instanceof GateRequested g) {
      cause = lastDoneOfWave.get(g.wave());
    }
    return cause != null ? cause : consumed;
  }

  /** Takes note of an event of the upgrade this executor published (or read back from the log). */
  void published(EventEnvelope event) {
    Object data = event.data();
    if (data instanceof StepStarted s) {
      lastOfStep.put(s.stepId(), event);
    } else if (data instanceof StepRetried s) {
      lastOfStep.put(s.stepId(), event);
    } else if (data instanceof StepFailed s) {
      lastOfStep.put(s.stepId(), event);
    } else if (data instanceof StepSucceeded s) {
      lastOfStep.put(s.stepId(), event);
      lastDoneOfComponent.put(key(s.wave(), s.component()), event);
      lastDoneOfWave.put(s.wave(), event);
    }
  }

  /** Takes note of the executor's own events among an upgrade's events read back from the log. */
  void readBack(List<EventEnvelope> events) {
    for (EventEnvelope event : events) {
      if (SagaPublisher.SERVICE.equals(event.source())) {
        published(event);
      }
    }
  }

  private EventEnvelope resultCause(EventEnvelope consumed, String stepId) {
    if (consumed != null
        && consumed.data() instanceof StepApproved approved
        && approved.stepId().equals(stepId)) {
      return consumed;
    }
    return lastOfStep.get(stepId);
  }

  private static String key(int wave, String component) {
    return wave + "/" + component;
  }
}
