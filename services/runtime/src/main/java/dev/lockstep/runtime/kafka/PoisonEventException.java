package dev.lockstep.runtime.kafka;

/**
 * Thrown by a handler to say that an event can never be handled, whatever is retried: its data is
 * wrong for this service (a platform it does not know, content it refuses). The consumer
 * dead-letters the event with the reason code {@code handler-refused} and this message, and carries
 * on with the next. Anything else a handler throws is taken as transient and retried.
 */
public class PoisonEventException extends RuntimeException {
  /** The event is refused for the given reason. */
  public PoisonEventException(String reason) {
    super(reason);
  }

  /** The event is refused for the given reason, found through the given failure. */
  public PoisonEventException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
