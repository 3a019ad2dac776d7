package dev.lockstep.recorder.recovery;

import dev.lockstep.recorder.store.DatabaseSettings;
import dev.lockstep.recorder.store.EventStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the event store up to Kafka before live ingest may start. A fresh database (an empty event
 * table and no rebuild recorded) begins a rebuild from Kafka; a rebuild recorded unfinished resumes
 * from its recorded offsets; a finished one, or a table that live ingest filled, needs nothing.
 *
 * <p>Only the holder of the {@link RebuildLock} rebuilds: the other instances wait for it (and log
 * that they wait), then find the rebuild finished. A rebuild that fails (its time limit, the
 * database or the broker gone, the lock lost) is logged and tried again after a growing pause, for
 * as long as it takes: the service never consumes live over a gap.
 */
public final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  private static final Duration LOCK_POLL = Duration.ofMillis(500);
  private static final Duration WAIT_LOG_EVERY = Duration.ofSeconds(10);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** What recovery is doing; read by the readiness check. */
  public enum Phase {
    /** Finding out whether a rebuild is needed. */
    CHECKING,
    /** Another instance holds the rebuild lock: waiting for it to finish. */
    WAITING,
    /** Reading Kafka into the store. */
    REBUILDING,
    /** The last attempt failed: waiting to try again. */
    RETRYING,
    /** Nothing is left to rebuild: live ingest may start. */
    DONE
  }

  /** How recovery ended. */
  public enum Outcome {
    /** Nothing to rebuild: a finished rebuild, or an event table that live ingest filled. */
    NOT_NEEDED,
    /** This instance rebuilt (or resumed and finished) the store from Kafka. */
    REBUILT,
    /** Another instance rebuilt the store while this one waited. */
    REBUILT_BY_ANOTHER
  }

  /**
   * How a rebuild reads.
   *
   * @param topics the topics a new rebuild reads
   * @param maxBatch records per poll and transaction
   * @param limit how long one attempt may read before it gives up (and the next resumes)
   */
  public record Settings(List<String> topics, int maxBatch, Duration limit) {}

  private final KafkaRebuild rebuild;
  private final RebuildProgress progress;
  private final EventStore store;
  private final DatabaseSettings database;
  private final MeterRegistry meters;
  private final Clock clock;
  private volatile Phase phase = Phase.CHECKING;
  private volatile String lastFailure = "";
  private volatile Outcome outcome;

  public Recovery(
      KafkaRebuild rebuild,
      RebuildProgress progress,
      EventStore store,
      DatabaseSettings database,
      MeterRegistry meters,
      Clock clock) {
    this.rebuild = rebuild;
    this.progress = progress;
    this.store = store;
    this.database = database;
    this.meters = meters;
    this.clock = clock;
  }

  /** What recovery is doing now. */
  public Phase phase() {
    return phase;
  }

  /** How recovery ended; null until it has. */
  public Outcome outcome() {
    return outcome;
  }

  /** Why the last attempt failed; empty when none did. */
  public String lastFailure() {
    return lastFailure;
  }

  /**
   * Returns once nothing is left to rebuild, trying again after each failure.
   *
   * @param running false once the service stops: recovery then gives up
   * @throws InterruptedException when the service stops while recovery waits or reads
   */
  public Outcome awaitRecovered(Settings settings, BooleanSupplier running)
      throws InterruptedException {
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; ; attempt++) {
      try {
        Outcome ended = attempt(settings, running);
        outcome = ended;
        phase = Phase.DONE;
        return ended;
      } catch (RuntimeException e) {
        if (!running.getAsBoolean() || Thread.currentThread().isInterrupted()) {
          throw stopped(e);
        }
        phase = Phase.RETRYING;
        lastFailure = String.valueOf(e.getMessage());
        meters.counter("lockstep.recorder.rebuild.failures").increment();
        LOG.warn(
            "rebuild attempt {} from Kafka failed; live ingest waits, trying again in {}",
            attempt,
            backoff,
            e);
        Thread.sleep(backoff.toMillis());
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
      }
    }
  }

  private Outcome attempt(Settings settings, BooleanSupplier running) throws InterruptedException {
    phase = Phase.CHECKING;
    // The table before the state: rows stored by a rebuild imply a rebuild recorded before them.
    boolean empty = store.isEmpty();
    RebuildProgress.State state = progress.state();
    if (state == RebuildProgress.State.FINISHED
        || (state == RebuildProgress.State.NONE && !empty)) {
      return Outcome.NOT_NEEDED;
    }
    try (RebuildLock lock = RebuildLock.open(database)) {
      boolean waited = awaitLock(lock, running);
      empty = store.isEmpty();
      state = progress.state();
      RebuildProgress.Plan plan;
      switch (state) {
        case FINISHED -> {
          LOG.info("the rebuild from Kafka is finished; live ingest may start");
          return waited ? Outcome.REBUILT_BY_ANOTHER : Outcome.NOT_NEEDED;
        }
        case NONE -> {
          if (!empty) {
            return Outcome.NOT_NEEDED;
          }
          plan = progress.begin(rebuild.endOffsets(settings.topics()), clock.instant());
          LOG.info(
              "the event table is empty: rebuilding it from Kafka, {} records of {} up to the end"
                  + " offsets {}",
              plan.total(),
              settings.topics(),
              plan.to());
        }
        default -> {
          plan = progress.plan();
          LOG.info(
              "resuming the unfinished rebuild from Kafka at the recorded offsets {}: {} of {}"
                  + " records left",
              plan.from(),
              plan.remaining(),
              plan.total());
        }
      }
      phase = Phase.REBUILDING;
      rebuild.run(plan, settings.maxBatch(), settings.limit(), lock::stillHeld);
      return Outcome.REBUILT;
    }
  }

  /** Waits until this instance holds the lock; true when another instance held it first. */
  private boolean awaitLock(RebuildLock lock, BooleanSupplier running) throws InterruptedException {
    long since = System.nanoTime();
    long logged = 0;
    boolean waited = false;
    while (!lock.tryLock()) {
      if (!running.getAsBoolean()) {
        throw new InterruptedException("the service stops");
      }
      phase = Phase.WAITING;
      long waitedNanos = System.nanoTime() - since;
      if (!waited || waitedNanos - logged >= WAIT_LOG_EVERY.toNanos()) {
        LOG.info(
            "another recorder instance is rebuilding the event store from Kafka: waiting for it to"
                + " finish before consuming ({} s so far)",
            Duration.ofNanos(waitedNanos).toSeconds());
        logged = waitedNanos;
      }
      waited = true;
      Thread.sleep(LOCK_POLL.toMillis());
    }
    return waited;
  }

  private static InterruptedException stopped(RuntimeException cause) {
    InterruptedException stopped = new InterruptedException("the service stops");
    stopped.initCause(cause);
    return stopped;
  }
}
