package dev.lockstep.validator.condition;

/** A condition that cannot be parsed, or cannot be evaluated on a result; the message says why. */
public final class ConditionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A condition error with a message for people. */
  public ConditionException(String message) {
    super(message);
  }
}
