package dev.lockstep.runtime.kafka;

import java.util.List;

/**
 * A batch handler in steps, so that the consumer reads and decodes the next poll while earlier ones
 * are written: {@link #prepare} runs on the consumer's thread (no I/O: it only turns events into
 * the work that stores them); the {@link Write} it answers runs on the consumer's writer thread,
 * and the {@link Then} that the write answers (if any) on its follower thread, each one poll at a
 * time, in poll order (a poll's write only after the previous poll's write succeeded). So while one
 * poll's {@code Then} runs, the next poll's {@code Write} runs and a third is read and prepared. A
 * poll's offsets are committed (on the consumer's thread, in poll order) only once its {@code
 * Write} and {@code Then} have returned, so a crash redelivers at most the three latest polls. The
 * rest of the contract is {@link EventBatchHandler}'s: a failure that may heal is read again after
 * a pause (with the polls behind it), a poll refused as poison is split until the refused event is
 * found, and the handler must be idempotent by event id.
 */
public interface PipelinedBatchHandler {
  /**
   * Makes the work that stores a poll's readable events (in the order read per partition); runs on
   * the consumer's thread, so it must not wait on anything.
   */
  Write prepare(List<ConsumedEvent> events) throws Exception;

  /** The first step of storing one poll. */
  @FunctionalInterface
  interface Write {
    /** Stores the poll; answers what must follow before it counts as durable, or null. */
    Then run() throws Exception;
  }

  /** What follows a poll's write (refreshing what is derived from it); durable on return. */
  @FunctionalInterface
  interface Then {
    void run() throws Exception;
  }
}
