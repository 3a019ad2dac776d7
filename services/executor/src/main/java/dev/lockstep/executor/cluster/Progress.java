package dev.lockstep.executor.cluster;

/**
 * Where a wait stands: still waiting, done, or failed with a reason.
 *
 * @param state the state
 * @param reason why it failed, or what it waits for
 */
public record Progress(State state, String reason) {
  /** The states of a wait. */
  public enum State {
    /** Not there yet; look again later. */
    WAITING,
    /** Done. */
    DONE,
    /** It will not get there. */
    FAILED
  }

  /** Done. */
  public static Progress done() {
    return new Progress(State.DONE, null);
  }

  /** Still waiting, for the reason given. */
  public static Progress waiting(String what) {
    return new Progress(State.WAITING, what);
  }

  /** Failed, for the reason given. */
  public static Progress failed(String reason) {
    return new Progress(State.FAILED, reason);
  }
}
