package dev.lockstep.executor.running;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.executor.saga.UpgradeSaga;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One upgrade this instance runs: its saga, the event that caused the latest decisions, and the
 * steps being worked on now. Its monitor guards the saga: folding, deciding and publishing happen
 * with it held.
 */
final class Session {
  final String upgradeId;
  final String platform;
  final UpgradeSaga saga;
  final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  final Set<String> armed = new HashSet<>();
  EventEnvelope cause;

  /** What the events published for the upgrade name as their causes. */
  final Causes causes = new Causes();

  /** The opening of the window a timer waits for, if one does. */
  Instant windowTimer;

  Duration retryPause;

  /** The trace context the upgrade's spans descend from ({@link SagaTracing}), once known. */
  Context trace;

  /** The open span of each wave begun and not yet followed by a later one. */
  final Map<Integer, Span> waves = new HashMap<>();

  /**
   * The before-states of the upgrade's first steps, read while its {@code upgrade.started} was
   * acknowledged ({@link StepWorker#readAhead}), by step id, until each step takes its own.
   */
  final Map<String, CompletableFuture<List<ObjectState>>> readAhead = new ConcurrentHashMap<>();

  /** The span of each step attempt in flight, by step id. */
  final Map<String, Span> stepSpans = new ConcurrentHashMap<>();

  Session(String upgradeId, String platform) {
    this(new UpgradeSaga(upgradeId), platform);
  }

  Session(UpgradeSaga saga, String platform) {
    this.upgradeId = saga.upgradeId();
    this.platform = platform;
    this.saga = saga;
  }
}
