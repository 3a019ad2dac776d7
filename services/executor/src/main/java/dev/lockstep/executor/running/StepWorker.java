package dev.lockstep.executor.running;

import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.executor.cluster.Applied;
import dev.lockstep.executor.cluster.ClusterSteps;
import dev.lockstep.executor.cluster.Progress;
import dev.lockstep.executor.cluster.StepContext;
import dev.lockstep.executor.cluster.StepFailure;
import dev.lockstep.executor.platform.PlatformSettings;
import dev.lockstep.executor.platform.Platforms;
import dev.lockstep.executor.saga.Decision;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one step, intent first: on a worker it reads the before-states, publishes {@code
 * step.started} and only then acts on the cluster; a timer polls the wait that follows, and the
 * result ({@code step.succeeded} or {@code step.failed}; {@code step.retried} and a new attempt
 * after a pause for a failure that the step's retries allow) is published and the saga advanced.
 * Before every write and publish it checks that the platform is still this instance's, and gives up
 * if not.
 */
final class StepWorker {
  private static final Logger LOG = LoggerFactory.getLogger(StepWorker.class);
  private static final int TRANSIENT_ATTEMPTS = 5;

  private final Platforms platforms;
  private final ExecutorSettings settings;
  private final CrashPoints crashPoints;
  private final Clock clock;
  private final Ownership ownership;
  private final SagaPublisher publisher;
  private final RunnerThreads threads;
  private final Predicate<Session> active;
  private final Consumer<Session> advance;
  private final SagaTracing tracing;

  /**
   * @param active whether the session still runs here (called with its lock held)
   * @param advance carries out the session's next decisions (called with its lock held)
   */
  StepWorker(
      Platforms platforms,
      ExecutorSettings settings,
      CrashPoints crashPoints,
      Clock clock,
      Ownership ownership,
      SagaPublisher publisher,
      RunnerThreads threads,
      Predicate<Session> active,
      Consumer<Session> advance,
      SagaTracing tracing) {
    this.platforms = platforms;
    this.settings = settings;
    this.crashPoints = crashPoints;
    this.clock = clock;
    this.ownership = ownership;
    this.publisher = publisher;
    this.threads = threads;
    this.active = active;
    this.advance = advance;
    this.tracing = tracing;
  }

  /**
   * Starts the step on a worker thread, in its span: everything the attempt does (its timers too)
   * runs in it. Called with the session's lock held.
   */
  void start(Session session, Decision.RunStep run) {
    Span span = tracing.step(session, run);
    session.stepSpans.put(run.step().id(), span);
    try (Scope scope = span.makeCurrent()) {
      threads.submit(() -> begin(session, run));
    }
  }

  /**
   * Reads, on workers, the before-states of the steps an upgrade runs first while its {@code
   * upgrade.started} is being acknowledged, so that the first change does not wait for the
   * acknowledgement and the reads in turn. Reading changes nothing; each step still publishes its
   * intent, acknowledged, before it acts ({@link #begin} takes a read that succeeded, and reads
   * again after one that failed). Called with the session's lock held.
   */
  void readAhead(Session session, List<Decision.RunStep> runs) {
    for (Decision.RunStep run : runs) {
      CompletableFuture<List<ObjectState>> read = new CompletableFuture<>();
      session.readAhead.put(run.step().id(), read);
      threads.submit(
          () -> {
            try {
              ownership.require(session.platform);
              read.complete(
                  tracing.cluster(
                      "read ahead",
                      run,
                      () -> clusterSteps(session).readBefore(context(session, run, List.of()))));
            } catch (RuntimeException e) {
              read.completeExceptionally(e);
            }
          });
    }
  }

  // ---- intent -------------------------------------------------------------------------------

  /**
   * Records a step's intent, then acts. A step that has not started reads the before-state of every
   * object it will change from the cluster; a step run again after a crash takes the before-states
   * of its first {@code step.started} instead, since it may have changed or deleted those objects
   * already. Either way they travel in this attempt's {@code step.started}.
   */
  private void begin(Session session, Decision.RunStep run) {
    CompletableFuture<List<ObjectState>> ahead =
        run.startedBefore() == null ? session.readAhead.remove(run.step().id()) : null;
    if (ahead == null) {
      read(session, run, 1);
    } else if (ahead.isDone()) {
      takeAhead(session, run, ahead);
    } else {
      // carries on once the read is done, on a worker, in this step's trace context
      Runnable next = Context.current().wrap(() -> takeAhead(session, run, ahead));
      ahead.whenComplete((read, failure) -> threads.submit(next));
    }
  }

  /** Announces the step with the before-states read ahead, or reads them again if that failed. */
  private void takeAhead(
      Session session, Decision.RunStep run, CompletableFuture<List<ObjectState>> ahead) {
    if (ahead.isCompletedExceptionally()) {
      LOG.debug("reading ahead for step {} failed; reading again", run.step().id());
      read(session, run, 1);
    } else {
      announce(session, run, ahead.join());
    }
  }

  private void read(Session session, Decision.RunStep run, int attempt) {
    List<ObjectState> before = run.startedBefore();
    if (before == null) {
      try {
        ownership.require(session.platform);
        before =
            tracing.cluster(
                "read",
                run,
                () -> clusterSteps(session).readBefore(context(session, run, List.of())));
      } catch (Stopped stopped) {
        ownership.abandon();
        LOG.info("step {} stops before its intent: {}", run.step().id(), stopped.getMessage());
        return;
      } catch (KubernetesClientException e) {
        if (transientError(e) && attempt < TRANSIENT_ATTEMPTS) {
          LOG.warn(
              "reading the before-states of step {} met a transient error: {}",
              run.step().id(),
              e.getMessage());
          threads.schedule(() -> read(session, run, attempt + 1), settings.getPollInterval());
          return;
        }
        // The step meets the same refusal when it acts, and fails with it.
        before = List.of();
      } catch (StepFailure failure) {
        // The step fails with this reason when it acts, before it changes anything.
        before = List.of();
      } catch (RuntimeException e) {
        LOG.warn("could not read the before-states of step {}: {}", run.step().id(), e.toString());
        before = List.of();
      }
    }
    announce(session, run, before);
  }

  private void announce(Session session, Decision.RunStep run, List<ObjectState> before) {
    var step = run.step();
    synchronized (session) {
      if (!active.test(session)) {
        if (!ownership.mayAct(session.platform)) {
          ownership.abandon();
        }
        LOG.info("step {} does not start: its upgrade no longer runs here", step.id());
        return;
      }
      try {
        publisher.publish(
            session,
            new StepStarted(
                session.upgradeId,
                step.id(),
                run.wave(),
                step.component(),
                step.action(),
                run.attempt(),
                before),
            step.id() + "/" + run.attempt());
      } catch (Stopped stopped) {
        ownership.abandon();
        LOG.info("step {} stops before its intent: {}", step.id(), stopped.getMessage());
        return;
      } catch (RuntimeException e) {
        LOG.warn(
            "could not publish the intent of step {}, trying again: {}", step.id(), e.toString());
        threads.schedule(() -> announce(session, run, before), settings.getPollInterval());
        return;
      }
    }
    act(
        session,
        new Decision.RunStep(
            step, run.wave(), run.attempt(), run.priorBefore(), before, run.retry()),
        1);
  }

  // ---- acting -------------------------------------------------------------------------------

  private void act(Session session, Decision.RunStep run, int attempt) {
    // A step that fails half-way reports its intent: whatever it changed is among those objects.
    List<ObjectState> partial = run.startedBefore() == null ? List.of() : run.startedBefore();
    try {
      crashPoints.reached(CrashPoints.BEFORE_ACT, run.step().id());
      requireActive(session);
      Applied applied =
          tracing.cluster(
              "apply",
              run,
              () ->
                  clusterSteps(session)
                      .apply(context(session, run, run.startedBefore()), clock.instant()));
      LOG.debug("step {} acted: {}", run.step().id(), applied.outcome());
      schedulePoll(session, run, applied, true, tracing.waiting(run));
    } catch (CrashPoints.Crash crash) {
      ownership.halt(crash);
    } catch (Stopped stopped) {
      ownership.abandon();
      LOG.info("step {} stops: {}", run.step().id(), stopped.getMessage());
    } catch (StepFailure failure) {
      finishStep(session, run, failed(session, run, failure.getMessage(), failure.before()));
    } catch (KubernetesClientException e) {
      if (gaveUp(e, "step " + run.step().id())) {
        return;
      }
      if (transientError(e) && attempt < TRANSIENT_ATTEMPTS) {
        LOG.warn(
            "step {} attempt {} met a transient error: {}",
            run.step().id(),
            attempt,
            e.getMessage());
        threads.schedule(() -> act(session, run, attempt + 1), settings.getPollInterval());
      } else {
        finishStep(
            session,
            run,
            failed(session, run, "the API server refused the change: " + e.getMessage(), partial));
      }
    } catch (RuntimeException e) {
      if (gaveUp(e, "step " + run.step().id())) {
        return;
      }
      LOG.error("step {} failed unexpectedly", run.step().id(), e);
      finishStep(session, run, failed(session, run, "unexpected error: " + e, partial));
    }
  }

  /**
   * Throws {@link Stopped} unless the platform is this instance's (Lease valid) and the session is
   * still the one running the upgrade here: work begun before a Lease was lost and taken back
   * belongs to a session that no longer runs.
   */
  private void requireActive(Session session) {
    ownership.require(session.platform);
    if (!active.test(session)) {
      throw new Stopped("upgrade " + session.upgradeId + " no longer runs in this session");
    }
  }

  /**
   * True, after counting the work as abandoned, when the failure is the fence refusing a cluster
   * write (the client wraps its {@link Stopped}): the work stops here, its new owner runs it again.
   */
  private boolean gaveUp(RuntimeException failure, String what) {
    Stopped stopped = Stopped.in(failure);
    if (stopped == null) {
      return false;
    }
    ownership.abandon();
    LOG.info("{} stops: {}", what, stopped.getMessage());
    return true;
  }

  private ClusterSteps clusterSteps(Session session) {
    PlatformSettings platform = platforms.find(session.platform).orElseThrow();
    return new ClusterSteps(
        platforms.client(session.platform),
        Set.copyOf(platform.getNamespaces()),
        settings.timings(),
        stepId -> crashPoints.reached(CrashPoints.MID_ACT, stepId));
  }

  private static StepContext context(
      Session session, Decision.RunStep run, List<ObjectState> startedBefore) {
    return new StepContext(
        session.platform,
        session.upgradeId,
        run.step(),
        run.priorBefore(),
        startedBefore,
        session.saga.plan().map(Plan::toRelease).orElse(null),
        run.retry());
  }

  private void schedulePoll(
      Session session, Decision.RunStep run, Applied applied, boolean first, Span wait) {
    threads.schedule(
        () -> {
          try {
            if (first) {
              crashPoints.reached(CrashPoints.DURING_WAIT, run.step().id());
            }
            requireActive(session);
            Progress progress = applied.check().poll(clock.instant());
            switch (progress.state()) {
              case WAITING -> schedulePoll(session, run, applied, false, wait);
              case DONE -> {
                wait.end();
                crashPoints.reached(CrashPoints.BEFORE_RESULT, run.step().id());
                var step = run.step();
                finishStep(
                    session,
                    run,
                    new StepSucceeded(
                        session.upgradeId,
                        step.id(),
                        run.wave(),
                        step.component(),
                        step.action(),
                        step.from(),
                        step.to(),
                        applied.before(),
                        applied.snapshot()));
              }
              case FAILED -> {
                wait.setStatus(StatusCode.ERROR, progress.reason());
                wait.end();
                finishStep(session, run, failed(session, run, progress.reason(), applied.before()));
              }
            }
          } catch (CrashPoints.Crash crash) {
            ownership.halt(crash);
          } catch (Stopped stopped) {
            ownership.abandon();
            LOG.info("wait of step {} stops: {}", run.step().id(), stopped.getMessage());
          } catch (RuntimeException e) {
            if (gaveUp(e, "wait of step " + run.step().id())) {
              return;
            }
            LOG.warn("looking at step {} failed, looking again: {}", run.step().id(), e.toString());
            schedulePoll(session, run, applied, false, wait);
          }
        },
        first ? Duration.ZERO : settings.getPollInterval());
  }

  // ---- the result ---------------------------------------------------------------------------

  private void finishStep(Session session, Decision.RunStep run, EventPayload result) {
    synchronized (session) {
      if (!active.test(session)) {
        return;
      }
      Optional<StepRetried> retry =
          result instanceof StepFailed failure ? session.saga.retryOf(failure) : Optional.empty();
      if (retry.isPresent()) {
        endStep(session, run, result);
        retryLater(session, run, retry.get());
        return;
      }
      try {
        publisher.publish(session, result, run.step().id() + "/" + run.attempt());
      } catch (Stopped stopped) {
        ownership.abandon();
        LOG.info(
            "the result of step {} is not published: {}", run.step().id(), stopped.getMessage());
        return;
      } catch (RuntimeException e) {
        LOG.warn(
            "could not publish the result of step {}, trying again: {}",
            run.step().id(),
            e.toString());
        threads.schedule(() -> finishStep(session, run, result), settings.getPollInterval());
        return;
      }
      endStep(session, run, result);
      session.inFlight.remove(run.step().id());
      advance.accept(session);
    }
  }

  /** Ends the span of the step's attempt, failed when the result is a failure. */
  private static void endStep(Session session, Decision.RunStep run, EventPayload result) {
    Span span = session.stepSpans.remove(run.step().id());
    if (span == null) {
      return;
    }
    if (result instanceof StepFailed failure) {
      span.setStatus(StatusCode.ERROR, failure.reason());
    }
    span.end();
  }

  /**
   * Publishes {@code step.retried} in place of a failure that the step's retries allow, and runs
   * the step again after the configured pause (the step stays in flight meanwhile, so nothing else
   * starts it). Called with the session's lock held.
   */
  private void retryLater(Session session, Decision.RunStep run, StepRetried retry) {
    String stepId = run.step().id();
    try {
      publisher.publish(session, retry, stepId + "/retry/" + retry.attempt());
    } catch (Stopped stopped) {
      ownership.abandon();
      LOG.info("the retry of step {} is not published: {}", stepId, stopped.getMessage());
      return;
    } catch (RuntimeException e) {
      LOG.warn("could not publish the retry of step {}, trying again: {}", stepId, e.toString());
      threads.schedule(() -> retryAgain(session, run, retry), settings.getPollInterval());
      return;
    }
    LOG.info(
        "step {} failed ({}); attempt {} of {} in {}",
        stepId,
        retry.reason(),
        retry.attempt(),
        retry.attempts(),
        settings.getStepRetryPause());
    threads.schedule(
        () -> {
          synchronized (session) {
            session.inFlight.remove(stepId);
            if (active.test(session)) {
              advance.accept(session);
            }
          }
        },
        settings.getStepRetryPause());
  }

  private void retryAgain(Session session, Decision.RunStep run, StepRetried retry) {
    synchronized (session) {
      if (active.test(session)) {
        retryLater(session, run, retry);
      }
    }
  }

  private static StepFailed failed(
      Session session, Decision.RunStep run, String reason, List<ObjectState> before) {
    var step = run.step();
    return new StepFailed(
        session.upgradeId, step.id(), run.wave(), step.component(), step.action(), reason, before);
  }

  private static boolean transientError(KubernetesClientException e) {
    return e.getCode() == 0 || e.getCode() >= 500 || e.getCode() == 429 || e.getCode() == 409;
  }
}
