package dev.lockstep.notifier.cdevents;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.notifier.delivery.Backoff;
import io.micronaut.core.annotation.Nullable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lockstep's work as CDEvents, for Keptn, Tekton or any CDEvents consumer (docs/cdevents.md). The
 * intake {@link #record records} the CDEvents of an event in its own transaction, one outbox row
 * per configured sink; after the commit a pump per sink, on threads of its own (never the
 * consumer's), sends the sink's rows oldest first. A failed send holds the sink's later rows (their
 * order matters to a consumer that pairs started with finished) and is tried again with capped
 * exponential backoff, without end while it may heal; an event the sink can never take is marked
 * failed and skipped. The notifier's own channels and feeds never wait for a sink.
 */
public final class CdEvents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CdEvents.class);

  private final CdEventMapping mapping;
  private final CdEventsOutbox outbox;
  private final List<CdEventSink> sinks;
  private final List<String> sinkNames;
  private final Backoff backoff;
  private final Clock clock;
  private final @Nullable ScheduledExecutorService scheduler;
  private final List<AtomicBoolean> pumping;

  /** Per sink: rows were recorded since its pump last looked. */
  private final List<AtomicBoolean> woken;

  CdEvents(
      CdEventMapping mapping,
      CdEventsOutbox outbox,
      List<CdEventSink> sinks,
      Backoff backoff,
      Clock clock,
      @Nullable ScheduledExecutorService scheduler) {
    this.mapping = mapping;
    this.outbox = outbox;
    this.sinks = List.copyOf(sinks);
    this.sinkNames = this.sinks.stream().map(CdEventSink::name).toList();
    this.backoff = backoff;
    this.clock = clock;
    this.scheduler = scheduler;
    this.pumping = this.sinks.stream().map(s -> new AtomicBoolean()).toList();
    this.woken = this.sinks.stream().map(s -> new AtomicBoolean()).toList();
  }

  /**
   * Records, in the intake's transaction, the CDEvents that tell an event for every sink. True when
   * there were any (then {@link #wake()} after the commit).
   */
  public boolean record(
      Connection connection, EventEnvelope event, @Nullable Plan plan, Instant now)
      throws SQLException {
    if (sinks.isEmpty()) {
      return false;
    }
    List<CdEvent> events = mapping.map(event, plan);
    if (events.isEmpty()) {
      return false;
    }
    outbox.record(connection, event.id(), events, sinkNames, now);
    return true;
  }

  /**
   * Starts every sink's pump that is not running: after a commit that recorded CDEvents, at start,
   * and periodically (to take over what a stopped instance left).
   */
  public void wake() {
    for (int i = 0; i < sinks.size(); i++) {
      woken.get(i).set(true);
      schedule(i, Duration.ZERO);
    }
  }

  private void schedule(int sink, Duration delay) {
    if (scheduler == null || !pumping.get(sink).compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.schedule(() -> pump(sink), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      pumping.get(sink).set(false);
    }
  }

  /**
   * What one step of a sink's pump came to.
   *
   * @param go on with the next row at once (one was sent or given up)
   * @param pause when not going on: the pause before the head row's next try, or null when there is
   *     nothing to send or another instance holds the sink (its pump sends; the periodic wake looks
   *     again)
   */
  record Step(boolean go, @Nullable Duration pause) {
    static final Step NEXT = new Step(true, null);
    static final Step STOP = new Step(false, null);
  }

  /** Sends the sink's pending rows until none is due; schedules itself again when one waits. */
  private void pump(int sink) {
    Duration next = null;
    try {
      Step step = Step.NEXT;
      while (!Thread.currentThread().isInterrupted()) {
        woken.get(sink).set(false);
        step = step(sink);
        if (!step.go() && (step.pause() != null || !woken.get(sink).get())) {
          break;
        }
      }
      next = step.pause();
    } catch (RuntimeException e) {
      LOG.warn(
          "cdevents {}: outbox unavailable ({}); retrying", sinkNames.get(sink), e.getMessage());
      next = backoff.max();
    } finally {
      pumping.get(sink).set(false);
    }
    if (next != null) {
      schedule(sink, next);
    } else if (woken.get(sink).get()) {
      // Rows recorded while the pump was stopping: their wake found it still running.
      schedule(sink, Duration.ZERO);
    }
  }

  /** One send of the sink's oldest pending row, under the sink's lock, its outcome committed. */
  Step step(int sink) {
    String name = sinkNames.get(sink);
    return outbox
        .whileHeadLocked(
            name,
            sink,
            (head, writer) -> {
              if (head.isEmpty()) {
                return Step.STOP;
              }
              CdEventsOutbox.Pending row = head.get();
              Instant now = clock.instant();
              if (row.nextAttemptAt().isAfter(now)) {
                return new Step(false, Duration.between(now, row.nextAttemptAt()));
              }
              int attempts = row.attempts() + 1;
              try {
                sinks.get(sink).send(row.event());
                writer.outcome(row.seq(), "SENT", attempts, null, now, clock.instant());
                LOG.debug("cdevents {}: sent {} {}", name, row.event().type(), row.event().id());
                return Step.NEXT;
              } catch (CdEventSink.SinkFailure failure) {
                Instant after = clock.instant();
                if (!failure.retryable()) {
                  writer.outcome(row.seq(), "FAILED", attempts, failure.getMessage(), after, after);
                  LOG.warn(
                      "cdevents {}: gave up {} {}: {}",
                      name,
                      row.event().type(),
                      row.event().id(),
                      failure.getMessage());
                  return Step.NEXT;
                }
                Duration pause = backoff.pauseAfter(attempts);
                writer.outcome(
                    row.seq(), "PENDING", attempts, failure.getMessage(), after.plus(pause), after);
                LOG.info(
                    "cdevents {}: attempt {} of {} failed ({}); next in {}",
                    name,
                    attempts,
                    row.event().id(),
                    failure.getMessage(),
                    pause);
                return new Step(false, pause);
              }
            })
        .orElse(Step.STOP);
  }

  /** Stops the pumps (a send under way may finish for up to 5 s) and the sinks. */
  @Override
  public void close() {
    if (scheduler != null) {
      if (scheduler instanceof ScheduledThreadPoolExecutor pool) {
        // A pump waiting out a backoff is not run: its rows stay for the next start's sweep.
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      }
      scheduler.shutdown();
      try {
        if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
          scheduler.shutdownNow();
        }
      } catch (InterruptedException e) {
        scheduler.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    sinks.forEach(CdEventSink::close);
  }
}
