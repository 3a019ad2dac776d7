package dev.lockstep.validator.evaluation;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.metrics.DurationBuckets;
import dev.lockstep.runtime.tracing.EventTracing;
import dev.lockstep.validator.analysis.Analysis;
import dev.lockstep.validator.analysis.AnalysisSettings;
import dev.lockstep.validator.analysis.Decision;
import dev.lockstep.validator.ledger.GateKey;
import dev.lockstep.validator.ledger.GateLedger;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs gates asynchronously: asks {@link Analysis} what to do, takes measurements through the
 * providers, publishes each measurement before it schedules the next, and publishes the verdict
 * once. Many gates run at once on a small scheduler; nothing here blocks a consumer thread.
 *
 * <p>Each verdict, once published, counts in {@code lockstep_gate_verdicts_total{type,verdict}} and
 * its time from the gate's (latest) request in {@code
 * lockstep_gate_duration_seconds{type,verdict}}.
 */
@Singleton
public class GateRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GateRunner.class);
  private static final String SERVICE = "validator";
  private static final Duration PUBLISH_RETRY = Duration.ofSeconds(1);

  private final GateLedger ledger;
  private final EventPublisher publisher;
  private final Clock clock;
  private final Map<String, GateProvider> providers;
  private final ScheduledExecutorService scheduler;
  private final MeterRegistry meters;
  private final EventTracing tracing;

  /** The gates this instance evaluates, each with the generation of its current run. */
  private final Map<GateKey, Long> running = new ConcurrentHashMap<>();

  /** Publishes in flight per gate, awaited when the gate's partition moves to another instance. */
  private final Map<GateKey, CompletableFuture<?>> inFlight = new ConcurrentHashMap<>();

  private final AtomicLong generations = new AtomicLong();

  public GateRunner(
      GateLedger ledger,
      EventPublisher publisher,
      Clock clock,
      List<GateProvider> providers,
      MeterRegistry meters,
      EventTracing tracing) {
    this.ledger = ledger;
    this.tracing = tracing;
    this.meters = meters;
    this.publisher = publisher;
    this.clock = clock;
    this.providers =
        providers.stream().collect(Collectors.toMap(GateProvider::kind, Function.identity()));
    AtomicInteger threads = new AtomicInteger();
    this.scheduler =
        Executors.newScheduledThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "validator-gates-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts (or resumes) evaluating a gate the ledger knows; a second call while it runs is a no-op.
   */
  public void start(GateKey key) {
    if (ledger.hasVerdict(key)) {
      return;
    }
    long generation = generations.incrementAndGet();
    if (running.putIfAbsent(key, generation) == null) {
      submit(key, generation, Duration.ZERO);
    }
  }

  /**
   * Stops evaluating gates (their partition moved to another instance) and waits, up to {@code
   * limit}, for their publishes in flight, so that the next owner reads every measurement.
   */
  public void stop(Collection<GateKey> keys, Duration limit) {
    List<CompletableFuture<?>> pending = new ArrayList<>();
    synchronized (inFlight) {
      for (GateKey key : keys) {
        running.remove(key);
        CompletableFuture<?> publish = inFlight.get(key);
        if (publish != null) {
          pending.add(publish);
        }
      }
    }
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("publishes of stopped gates did not all complete: {}", e.toString());
    }
  }

  /** Whether this instance evaluates the gate now. */
  boolean isRunning(GateKey key) {
    return running.containsKey(key);
  }

  private boolean current(GateKey key, long generation) {
    Long now = running.get(key);
    return now != null && now == generation;
  }

  private void submit(GateKey key, long generation, Duration delay) {
    if (scheduler.isShutdown() || !current(key, generation)) {
      return;
    }
    scheduler.schedule(
        () -> step(key, generation), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  private void step(GateKey key, long generation) {
    if (!current(key, generation)) {
      return;
    }
    try {
      EventEnvelope event = ledger.requestEvent(key).orElseThrow();
      GateRequested request = event.dataAs(GateRequested.class);
      AnalysisSettings settings;
      try {
        settings = AnalysisSettings.of(request.gate().spec());
      } catch (IllegalArgumentException e) {
        conclude(
            key,
            generation,
            event,
            new Decision.Failed("the gate's settings are invalid: " + e.getMessage()));
        return;
      }
      if (key.purpose() == GatePurpose.CAPTURE_BASELINE) {
        settings = settings.forBaselineCapture();
      }
      List<Measurement> measurements = ledger.measurements(key);
      Decision decision = Analysis.decide(settings, measurements, event.time(), clock.instant());
      if (decision instanceof Decision.Measure) {
        measure(key, generation, event, request, measurements.size());
      } else if (decision instanceof Decision.WaitUntil wait) {
        submit(key, generation, Duration.between(clock.instant(), wait.at()));
      } else {
        conclude(key, generation, event, decision);
      }
    } catch (RuntimeException e) {
      LOG.error(
          "gate {} of upgrade {}: unexpected error; retrying", key.gateId(), key.upgradeId(), e);
      submit(key, generation, PUBLISH_RETRY);
    }
  }

  /**
   * The baseline a gate compares with: its upgrade's latest (taken before the gate's wave), or for
   * a rollback's gate, the first of the upgrade it rolls back (taken before that upgrade began).
   */
  private String baselineFor(GateRequested request) {
    return request.baselineOf() != null
        ? ledger.baselineBefore(request.baselineOf(), request.gate().name())
        : ledger.baseline(request.upgradeId(), request.gate().name());
  }

  private void measure(
      GateKey key, long generation, EventEnvelope event, GateRequested request, int index) {
    GateProvider provider = providers.get(request.gate().spec().kind());
    // the measurement's span, in the trace of the wave that asked for the gate; the measurement is
    // published in it
    Span span =
        tracing.open("gate " + request.gate().name() + " measure", tracing.contextOf(event), event);
    span.setAttribute("lockstep.gate.id", request.gateId());
    span.setAttribute("lockstep.gate.kind", request.gate().spec().kind());
    span.setAttribute("lockstep.gate.purpose", key.purpose().wire());
    span.setAttribute("lockstep.measurement", index);
    CompletableFuture<Outcome> outcome;
    try (Scope scope = span.makeCurrent()) {
      if (provider == null) {
        outcome =
            CompletableFuture.completedFuture(
                Outcome.error(
                    "the validator cannot evaluate gates of kind " + request.gate().spec().kind()));
      } else {
        String baseline =
            request.gate().spec().sql() != null && request.gate().spec().sql().compareToBaseline()
                ? baselineFor(request)
                : null;
        try {
          outcome =
              provider.measure(
                  new MeasureRequest(
                      request.platform(),
                      request.gate().spec(),
                      key.purpose(),
                      baseline,
                      request.changeStartedAt()));
        } catch (RuntimeException e) {
          outcome =
              CompletableFuture.completedFuture(Outcome.error("the measurement failed: " + e));
        }
      }
    }
    outcome.whenComplete(
        (result, error) -> {
          Outcome taken =
              error != null ? Outcome.error("the measurement failed: " + error) : result;
          Measurement measurement =
              new Measurement(
                  index, taken.phase(), taken.value(), taken.message(), clock.instant());
          span.setAttribute("lockstep.measurement.phase", taken.phase().wire());
          if (taken.phase() != MeasurementPhase.SUCCESSFUL) {
            span.setStatus(StatusCode.ERROR, taken.phase().wire());
          }
          try (Scope current = span.makeCurrent()) {
            publishMeasurement(key, generation, event, request, measurement);
          } finally {
            span.end();
          }
        });
  }

  private void publishMeasurement(
      GateKey key,
      long generation,
      EventEnvelope event,
      GateRequested request,
      Measurement measurement) {
    GateMeasured payload =
        new GateMeasured(
            request.upgradeId(),
            request.gateId(),
            request.gate().name(),
            request.gate().spec().kind(),
            measurement);
    EventEnvelope out =
        envelope(event, request, payload, key, "measurement-" + measurement.index());
    publishIfCurrent(key, generation, out)
        .whenComplete(
            (sent, error) -> {
              if (error != null) {
                LOG.warn(
                    "gate {} of upgrade {}: measurement {} not published ({}); measuring again",
                    request.gateId(),
                    request.upgradeId(),
                    measurement.index(),
                    error.toString());
                submit(key, generation, PUBLISH_RETRY);
                return;
              }
              if (sent == null) {
                return;
              }
              ledger.apply(sent.event());
              LOG.info(
                  "gate {} of upgrade {}: measurement {} {}",
                  request.gateId(),
                  request.upgradeId(),
                  measurement.index(),
                  measurement.phase().wire());
              submit(key, generation, Duration.ZERO);
            });
  }

  private void conclude(GateKey key, long generation, EventEnvelope event, Decision decision) {
    GateRequested request = event.dataAs(GateRequested.class);
    List<Measurement> measurements = ledger.measurements(key);
    EventPayload payload;
    if (decision instanceof Decision.Passed) {
      String baseline = null;
      if (key.purpose() == GatePurpose.CAPTURE_BASELINE) {
        List<Measurement> successful = new ArrayList<>(measurements);
        successful.removeIf(m -> m.phase() != MeasurementPhase.SUCCESSFUL);
        baseline = successful.isEmpty() ? null : successful.get(successful.size() - 1).value();
      }
      payload =
          new GatePassed(
              request.upgradeId(),
              request.gateId(),
              request.gate().name(),
              request.gate().spec().kind(),
              measurements,
              baseline);
    } else {
      payload =
          new GateFailed(
              request.upgradeId(),
              request.gateId(),
              request.gate().name(),
              request.gate().spec().kind(),
              ((Decision.Failed) decision).reason(),
              measurements);
    }
    publishIfCurrent(key, generation, envelope(event, request, payload, key, "verdict"))
        .whenComplete(
            (sent, error) -> {
              if (error != null) {
                LOG.warn(
                    "gate {} of upgrade {}: verdict not published ({}); retrying",
                    request.gateId(),
                    request.upgradeId(),
                    error.toString());
                submit(key, generation, PUBLISH_RETRY);
                return;
              }
              if (sent == null) {
                return;
              }
              ledger.apply(sent.event());
              running.remove(key, generation);
              counted(event, request, decision instanceof Decision.Passed ? "passed" : "failed");
              LOG.info(
                  "gate {} of upgrade {} {}: {}",
                  request.gateId(),
                  request.upgradeId(),
                  decision instanceof Decision.Passed ? "passed" : "failed",
                  decision instanceof Decision.Passed p
                      ? p.summary()
                      : ((Decision.Failed) decision).reason());
            });
  }

  private void counted(EventEnvelope requested, GateRequested request, String verdict) {
    String type = request.gate().spec().kind();
    Counter.builder("lockstep.gate.verdicts")
        .description("gate verdicts published, by gate type and verdict")
        .tags("type", type, "verdict", verdict)
        .register(meters)
        .increment();
    Duration took = Duration.between(requested.time(), clock.instant());
    if (!took.isNegative()) {
      Timer.builder("lockstep.gate.duration")
          .description("from a gate's request to its published verdict")
          .serviceLevelObjectives(DurationBuckets.seconds())
          .tags("type", type, "verdict", verdict)
          .register(meters)
          .record(took);
    }
  }

  /**
   * Publishes when this run of the gate is still current (its partition was not taken away); the
   * future completes with null when it is not. The publish is tracked until it completes.
   */
  private CompletableFuture<EventPublisher.Sent> publishIfCurrent(
      GateKey key, long generation, EventEnvelope out) {
    synchronized (inFlight) {
      if (!current(key, generation)) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<EventPublisher.Sent> publish = publisher.publish(out);
      inFlight.put(key, publish);
      publish.whenComplete((sent, error) -> inFlight.remove(key, publish));
      return publish;
    }
  }

  /**
   * The event, with an id derived from what it is in the gate's run: its measurement index, or its
   * verdict. A measurement or verdict published again (a publish retried after its outcome was
   * lost, or one instance still finishing a gate whose partition has moved to another, as after a
   * pause) is then recognisably the same event, and every consumer, which skips ids it has seen,
   * keeps the first on the partition: one verdict per gate run. The verdict's id names the run, not
   * the outcome, so that even a {@code gate.passed} and a {@code gate.failed} of one run are one.
   */
  private EventEnvelope envelope(
      EventEnvelope cause, GateRequested request, EventPayload payload, GateKey key, String what) {
    return EventEnvelope.create(
            EventCatalog.standard(),
            SERVICE,
            cause.platform(),
            request.upgradeId(),
            payload,
            cause,
            clock)
        .withId(
            EventEnvelope.derivedId(
                SERVICE, key.upgradeId(), key.gateId(), key.purpose().wire(), what));
  }

  /** Stops scheduling; gates in progress resume from the log after a restart. */
  @PreDestroy
  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
