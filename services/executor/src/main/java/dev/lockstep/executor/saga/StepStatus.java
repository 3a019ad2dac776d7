package dev.lockstep.executor.saga;

/** Where one step of a plan stands, as the execution events say. */
public enum StepStatus {
  /** Not started yet. */
  PENDING(false),
  /** Its intent is recorded ({@code step.started}); it may or may not have acted yet. */
  STARTED(false),
  /** It succeeded ({@code step.succeeded}). */
  SUCCEEDED(true),
  /** It failed ({@code step.failed}). */
  FAILED(true);

  private final boolean terminal;

  StepStatus(boolean terminal) {
    this.terminal = terminal;
  }

  /** Whether the step has ended. */
  public boolean terminal() {
    return terminal;
  }
}
