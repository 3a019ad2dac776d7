package dev.lockstep.runtime.kafka;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch path of an {@link EventConsumer}: each poll's readable events go to one handler call.
 * With a {@link PipelinedBatchHandler} the write of a poll runs on a writer thread of its own (and
 * what follows it on a follower thread) while the consumer's thread polls, decodes and prepares the
 * next one; at most two polls are being written (one storing, one following) while a third is
 * prepared. A poll's offsets are committed, on the consumer's thread and in poll order, only once
 * its write and what follows it have returned. With an {@link EventBatchHandler} the write runs on
 * the consumer's thread and is committed at once, as before.
 *
 * <p>A write that fails in a way that may heal rewinds its partitions to their first uncommitted
 * offset and pauses them; the writes behind it (a poll's write runs only after the previous poll's
 * write succeeded) are awaited and, like the poll prepared behind them, dropped and their
 * partitions rewound without a pause: all are read again. A write refused as poison is split on the
 * consumer's thread, halved and halved again, until the refused event is found: it is
 * dead-lettered, every other event is handled, and each part that succeeds is committed before the
 * next is tried. Before partitions are revoked, and when the consumer closes, the writes in flight
 * are awaited and committed if they succeeded. Used on the consumer's thread only.
 */
final class BatchPath {
  private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);

  /** How long a poll waits for new records while a write is in flight before awaiting it. */
  private static final Duration POLL_IN_FLIGHT = Duration.ofMillis(20);

  /** How long closing the consumer (or a failed write) waits for each write in flight. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  /** What the batch path needs of its consumer. */
  interface Host {
    /** False once the consumer is closing. */
    boolean running();

    /** Dead-letters a record with its reason (and counts it). */
    void send(ConsumerRecord<String, byte[]> record, String code, String reason);

    /** Commits the given next offsets (with whatever else is pending). */
    void commit(KafkaConsumer<String, byte[]> kafka, Map<TopicPartition, Long> next);
  }

  private final ConsumerSpec spec;
  private final EventCodec codec;
  private final PipelinedBatchHandler handler;
  private final ExecutorService writer;
  private final PartitionRetries retries;
  private final Host host;
  private final ExecutorService follower;
  private final Deque<InFlight> inFlight = new ArrayDeque<>();

  /**
   * @param pipelined true to run writes on a writer thread of their own, false to run them on the
   *     consumer's thread
   */
  BatchPath(
      ConsumerSpec spec,
      EventCodec codec,
      PipelinedBatchHandler handler,
      boolean pipelined,
      PartitionRetries retries,
      Host host) {
    this.spec = spec;
    this.codec = codec;
    this.handler = handler;
    this.retries = retries;
    this.host = host;
    this.writer = pipelined ? thread("lockstep-writer-" + spec.group()) : null;
    this.follower = pipelined ? thread("lockstep-follower-" + spec.group()) : null;
  }

  private static ExecutorService thread(String name) {
    return Executors.newSingleThreadExecutor(
        task -> {
          Thread thread = new Thread(task, name);
          thread.setDaemon(true);
          return thread;
        });
  }

  /** A synchronous batch handler as a pipelined one whose write is the handler's call. */
  static PipelinedBatchHandler of(EventBatchHandler handler) {
    return events ->
        () -> {
          handler.handle(events);
          return null;
        };
  }

  /** The poll's time-out: short while a write is in flight, so that it is committed soon. */
  Duration pollTimeout(Duration timeout) {
    return !inFlight.isEmpty() && POLL_IN_FLIGHT.compareTo(timeout) < 0 ? POLL_IN_FLIGHT : timeout;
  }

  /**
   * Takes a poll: decodes and prepares it, settles the oldest write in flight while two are, then
   * starts this poll's write. An empty poll settles every write in flight.
   */
  void process(KafkaConsumer<String, byte[]> kafka, ConsumerRecords<String, byte[]> records) {
    if (records.isEmpty()) {
      settle(kafka, true);
      return;
    }
    Poll poll = decode(records);
    List<ConsumedEvent> events = readable(poll.entries());
    PipelinedBatchHandler.Write write = null;
    Exception unprepared = null;
    if (!events.isEmpty()) {
      try {
        write = handler.prepare(events);
      } catch (Exception e) {
        unprepared = e;
      }
    }
    // A write that fails rewinds the polls behind it, this one included.
    if (!settleDownTo(kafka, unprepared != null || writer == null ? 0 : 1, true, null, poll)) {
      return;
    }
    if (!host.running()) {
      rewind(kafka, List.of(poll));
      return;
    }
    if (unprepared != null) {
      done(poll, afterFailure(kafka, poll.entries(), poll.progress(), events.size(), unprepared));
      return;
    }
    Started started = start(write);
    inFlight.addLast(new InFlight(started.done(), started.written(), poll));
    if (writer == null) {
      settle(kafka, true);
    }
  }

  /**
   * Awaits every write in flight, oldest first, and commits each that succeeded; false when one
   * failed (it and the polls behind it wait to be read again) or, closing, did not end in time.
   *
   * @param maySplit false to treat poison like a failure that may heal (inside a rebalance: the
   *     split is left to the partitions' next reading)
   */
  boolean settle(KafkaConsumer<String, byte[]> kafka, boolean maySplit) {
    return settleDownTo(kafka, 0, maySplit, null, null);
  }

  /** Settles the writes in flight before the consumer closes, waiting for each a bounded time. */
  void settleBeforeClose(KafkaConsumer<String, byte[]> kafka) {
    settleDownTo(kafka, 0, false, CLOSE_WAIT, null);
  }

  /**
   * Settles the oldest writes until {@code left} are in flight; false as {@link #settle}, and then
   * the polls behind the failed write (and the waiting one, not yet started) are rewound.
   */
  private boolean settleDownTo(
      KafkaConsumer<String, byte[]> kafka,
      int left,
      boolean maySplit,
      Duration wait,
      Poll waiting) {
    while (inFlight.size() > left) {
      InFlight oldest = inFlight.removeFirst();
      Exception failed;
      try {
        failed = outcome(oldest.done(), wait);
      } catch (TimeoutException e) {
        LOG.warn(
            "{}: a batch of {} records was still being written when the consumer closed;"
                + " it is not committed",
            spec.group(),
            oldest.poll().entries().size());
        inFlight.clear();
        return false;
      }
      if (failed == null) {
        Poll poll = oldest.poll();
        if (!done(poll, finish(kafka, poll.entries(), poll.progress(), null))) {
          rewind(kafka, behind(waiting));
          return false;
        }
        continue;
      }
      // The writes behind it end first (a write behind a failed write does not run; one behind a
      // failed follow-up may have: it is idempotent); then all are read again, even when splitting
      // finds a refused event, so that no later poll is committed first.
      List<Poll> behind = behind(waiting);
      settleFailed(kafka, oldest.poll(), failed, maySplit);
      rewind(kafka, behind);
      return false;
    }
    return true;
  }

  /** After a poll's write failed: it is read again after a pause, or split if it is poison. */
  private void settleFailed(
      KafkaConsumer<String, byte[]> kafka, Poll poll, Exception failed, boolean maySplit) {
    int events = readable(poll.entries()).size();
    if (!maySplit && Failures.isPoison(failed)) {
      retryBatch(
          kafka, poll.progress(), "could not handle a batch of " + events + " events", failed);
      return;
    }
    done(poll, afterFailure(kafka, poll.entries(), poll.progress(), events, failed));
  }

  /**
   * Waits for every write in flight to end, whatever its outcome; answers their polls, oldest
   * first, then the waiting one (if any).
   */
  private List<Poll> behind(Poll waiting) {
    List<Poll> polls = new ArrayList<>();
    while (!inFlight.isEmpty()) {
      InFlight next = inFlight.removeFirst();
      try {
        outcome(next.done(), CLOSE_WAIT);
      } catch (TimeoutException | RuntimeException e) {
        LOG.debug("{}: a write behind a failed one: {}", spec.group(), e.toString());
      }
      polls.add(next.poll());
    }
    if (waiting != null) {
      polls.add(waiting);
    }
    return polls;
  }

  /** Stops the writer threads (after the consumer settled its last write). */
  void close() {
    if (writer != null) {
      writer.shutdown();
      follower.shutdown();
    }
  }

  /**
   * Starts a poll's write: its first step on the writer thread, then what follows on the follower
   * thread, so that the next poll's first step runs meanwhile. Without a writer, both run here.
   */
  private Started start(PipelinedBatchHandler.Write write) {
    if (write == null) {
      CompletableFuture<?> none =
          inFlight.isEmpty()
              ? CompletableFuture.completedFuture(null)
              : inFlight.getLast().written();
      return new Started(none, CompletableFuture.completedFuture(null));
    }
    if (writer == null) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      try {
        PipelinedBatchHandler.Then then = write.run();
        if (then != null) {
          then.run();
        }
        done.complete(null);
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
      return new Started(done, done);
    }
    // After the previous poll's write, and only if it succeeded: writes keep the poll order.
    CompletableFuture<?> before =
        inFlight.isEmpty() ? CompletableFuture.completedFuture(null) : inFlight.getLast().written();
    CompletableFuture<PipelinedBatchHandler.Then> written =
        before.thenApplyAsync(
            previous -> {
              try {
                return write.run();
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            },
            writer);
    return new Started(
        written,
        written.thenAcceptAsync(
            then -> {
              if (then != null) {
                try {
                  then.run();
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              }
            },
            follower));
  }

  /** How the write ended: null when it succeeded. An {@link Error} is thrown on. */
  private static Exception outcome(Future<?> done, Duration wait) throws TimeoutException {
    try {
      if (wait == null) {
        done.get();
      } else {
        done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      }
      return null;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof Error error) {
        throw error;
      }
      return cause instanceof Exception failure ? failure : e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }

  private boolean done(Poll poll, boolean succeeded) {
    if (succeeded) {
      poll.progress().next().keySet().forEach(retries::done);
    }
    return succeeded;
  }

  /**
   * Rewinds polls that will not be written now (a write before them failed), oldest first: each of
   * their partitions that no retry has rewound further back goes to its first record among them.
   */
  private void rewind(KafkaConsumer<String, byte[]> kafka, List<Poll> polls) {
    Set<TopicPartition> skip = new HashSet<>(kafka.paused());
    Set<TopicPartition> assigned = kafka.assignment();
    for (Poll poll : polls) {
      poll.first()
          .forEach(
              (partition, offset) -> {
                if (assigned.contains(partition) && skip.add(partition)) {
                  kafka.seek(partition, offset);
                }
              });
    }
  }

  private Poll decode(ConsumerRecords<String, byte[]> records) {
    List<Entry> entries = new ArrayList<>(records.count());
    Map<TopicPartition, Long> next = new LinkedHashMap<>();
    Map<TopicPartition, Long> end = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<String, byte[]>> ofPartition = records.records(partition);
      next.put(partition, ofPartition.get(0).offset());
      end.put(partition, ofPartition.get(ofPartition.size() - 1).offset() + 1);
      for (ConsumerRecord<String, byte[]> record : ofPartition) {
        try {
          entries.add(
              new Entry(
                  record,
                  new ConsumedEvent(
                      codec.fromRecord(record),
                      record.topic(),
                      record.partition(),
                      record.offset()),
                  null,
                  null));
        } catch (EventDecodingException e) {
          entries.add(new Entry(record, null, e.reason().wire(), e.getMessage()));
        }
      }
    }
    return new Poll(entries, new Progress(next, end), Map.copyOf(next));
  }

  private static List<ConsumedEvent> readable(List<Entry> entries) {
    List<ConsumedEvent> events = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      if (entry.event() != null) {
        events.add(entry.event());
      }
    }
    return events;
  }

  /**
   * Handles a run of a poll's entries on the consumer's thread (in poll order, so in order per
   * partition); false when a failure that may heal left them and the rest of the poll to be read
   * again.
   */
  private boolean handleBatch(
      KafkaConsumer<String, byte[]> kafka, List<Entry> entries, Progress progress) {
    if (!host.running()) {
      return false;
    }
    List<ConsumedEvent> events = readable(entries);
    Exception failed = null;
    if (!events.isEmpty()) {
      try {
        PipelinedBatchHandler.Then then = handler.prepare(events).run();
        if (then != null) {
          then.run();
        }
      } catch (Exception e) {
        failed = e;
      }
    }
    if (failed == null) {
      return finish(kafka, entries, progress, null);
    }
    return afterFailure(kafka, entries, progress, events.size(), failed);
  }

  /**
   * After a run of entries failed: a failure that may heal reads them (and the rest of the poll)
   * again after the pause; poison splits the run until the refused event is found.
   */
  private boolean afterFailure(
      KafkaConsumer<String, byte[]> kafka,
      List<Entry> entries,
      Progress progress,
      int events,
      Exception failed) {
    if (!Failures.isPoison(failed)) {
      retryBatch(kafka, progress, "could not handle a batch of " + events + " events", failed);
      return false;
    }
    if (events == 1) {
      return finish(kafka, entries, progress, failed);
    }
    LOG.info(
        "{} refused a batch of {} events ({}); splitting it to find the refused event",
        spec.group(),
        events,
        Failures.describe(failed));
    int half = indexOfReadable(entries, events / 2);
    return handleBatch(kafka, entries.subList(0, half), progress)
        && handleBatch(kafka, entries.subList(half, entries.size()), progress);
  }

  /** The index of the n-th (from 0) readable entry. */
  private static int indexOfReadable(List<Entry> entries, int n) {
    int seen = 0;
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).event() != null) {
        if (seen == n) {
          return i;
        }
        seen++;
      }
    }
    return entries.size();
  }

  /**
   * After the handler made a run durable (or refused its one event): dead-letters the unreadable
   * entries (and the refused event), then commits the run.
   */
  private boolean finish(
      KafkaConsumer<String, byte[]> kafka,
      List<Entry> entries,
      Progress progress,
      Exception refusal) {
    for (Entry entry : entries) {
      ConsumerRecord<String, byte[]> record = entry.record();
      try {
        if (entry.event() == null) {
          host.send(record, entry.code(), entry.reason());
        } else if (refusal != null) {
          EventEnvelope event = entry.event().event();
          host.send(
              record,
              EventConsumer.HANDLER_REFUSED,
              EventConsumer.refusal(spec.group(), event, refusal));
        }
      } catch (DeadLetters.DeadLetterException e) {
        host.commit(kafka, progress.next());
        retryBatch(
            kafka,
            progress,
            "cannot dead-letter "
                + record.topic()
                + "/"
                + record.partition()
                + "@"
                + record.offset(),
            e.getCause() == null ? e : e.getCause());
        return false;
      }
      progress.next().put(entry.partition(), record.offset() + 1);
    }
    host.commit(kafka, progress.next());
    return true;
  }

  /** Rewinds and pauses every partition of the poll not yet done, and logs the failure once. */
  private void retryBatch(
      KafkaConsumer<String, byte[]> kafka, Progress progress, String what, Throwable failed) {
    int attempt = 0;
    TopicPartition first = null;
    Set<TopicPartition> assigned = kafka.assignment();
    for (Map.Entry<TopicPartition, Long> next : progress.next().entrySet()) {
      if (next.getValue() < progress.end().get(next.getKey()) && assigned.contains(next.getKey())) {
        attempt = Math.max(attempt, retries.later(kafka, next.getKey(), next.getValue()));
        first = first == null ? next.getKey() : first;
      }
    }
    if (first != null) {
      retries.log(what, attempt, first, failed);
    }
  }

  /** A record of a batch: its event, or why it could not be read. */
  private record Entry(
      ConsumerRecord<String, byte[]> record, ConsumedEvent event, String code, String reason) {
    TopicPartition partition() {
      return new TopicPartition(record.topic(), record.partition());
    }
  }

  /**
   * How far a poll's batch got: per partition the next offset to commit, and the offset after the
   * poll's last record.
   */
  private record Progress(Map<TopicPartition, Long> next, Map<TopicPartition, Long> end) {}

  /**
   * A decoded poll.
   *
   * @param entries its records in poll order
   * @param progress how far it got
   * @param first per partition, the offset of its first record
   */
  private record Poll(List<Entry> entries, Progress progress, Map<TopicPartition, Long> first) {}

  /**
   * A poll's write as started.
   *
   * @param written its write step (the next poll's write waits for it)
   * @param done its write and what follows it
   */
  private record Started(CompletableFuture<?> written, Future<?> done) {}

  /** A poll whose write was started and is not yet settled. */
  private record InFlight(Future<?> done, CompletableFuture<?> written, Poll poll) {}
}
