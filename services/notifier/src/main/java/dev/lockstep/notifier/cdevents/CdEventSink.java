package dev.lockstep.notifier.cdevents;

/** Where CDEvents go: an HTTP endpoint or a Kafka topic. */
public interface CdEventSink extends AutoCloseable {
  /** The sink's name in the outbox and the log: {@code http} or {@code kafka}. */
  String name();

  /** Sends one CDEvent; returns once the receiver acknowledged it. */
  void send(CdEvent event) throws SinkFailure;

  @Override
  default void close() {}

  /**
   * A send that did not succeed.
   *
   * <p>{@code retryable} is false only when sending the same event again cannot succeed (the
   * receiver refused it as malformed, it is too large); an unreachable receiver, a time-out, an
   * overloaded or refusing-for-now answer are retried without end.
   */
  final class SinkFailure extends Exception {
    private final boolean retryable;

    public SinkFailure(String message, boolean retryable) {
      super(message, null, false, false);
      this.retryable = retryable;
    }

    /** Whether to try again later. */
    public boolean retryable() {
      return retryable;
    }
  }
}
