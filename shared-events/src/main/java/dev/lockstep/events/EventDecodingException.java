package dev.lockstep.events;

import java.util.List;

/**
 * An event that cannot be read: the reason says why in words an operator can act on. Consumers send
 * the record to the dead-letter topic with {@link #reason()} and carry on.
 */
public final class EventDecodingException extends RuntimeException {
  /** Why an event could not be read. */
  public enum Reason implements WireEnum {
    /** The CloudEvents attributes are missing or malformed. */
    MALFORMED_ENVELOPE("malformed-envelope"),
    /** The type is not one this consumer knows. */
    UNKNOWN_TYPE("unknown-type"),
    /** The type is known but its schema version is not supported (too new or retired). */
    UNSUPPORTED_VERSION("unsupported-version"),
    /** The data is not valid JSON or does not match the type's schema. */
    INVALID_DATA("invalid-data"),
    /**
     * The envelope and the data disagree about whose event it is: the subject is not the data's
     * upgrade id, or the Kafka key or the platform extension is not the data's platform.
     */
    INCONSISTENT_ENVELOPE("inconsistent-envelope");

    private final String wire;

    Reason(String wire) {
      this.wire = wire;
    }

    @Override
    public String wire() {
      return wire;
    }
  }

  private final Reason reason;
  private final List<String> problems;

  public EventDecodingException(Reason reason, String message) {
    this(reason, message, List.of(), null);
  }

  public EventDecodingException(
      Reason reason, String message, List<String> problems, Throwable cause) {
    super(message + (problems.isEmpty() ? "" : ": " + String.join("; ", problems)), cause);
    this.reason = reason;
    this.problems = List.copyOf(problems);
  }

  /** The category of the failure. */
  public Reason reason() {
    return reason;
  }

  /** Each problem found in the data, when the data did not match its schema. */
  public List<String> problems() {
    return problems;
  }
}
