package dev.lockstep.cli;

import dev.lockstep.events.ErrorDetail;
import java.util.List;

/**
 * Why a command stops: what to print ({@code error: <message>}, the service's errors, {@code hint:
 * <hint>}) and the exit code ({@link ExitCodes}).
 */
public final class CliException extends RuntimeException {
  private final int exitCode;
  private final String hint;
  private final List<ErrorDetail> errors;

  /** A failure without detailed errors. */
  public CliException(int exitCode, String message, String hint) {
    this(exitCode, message, hint, List.of());
  }

  /** A failure with the errors a service answered. */
  public CliException(int exitCode, String message, String hint, List<ErrorDetail> errors) {
    super(message);
    this.exitCode = exitCode;
    this.hint = hint;
    this.errors = List.copyOf(errors);
  }

  /** The exit code. */
  public int exitCode() {
    return exitCode;
  }

  /** What to try next, or null. */
  public String hint() {
    return hint;
  }

  /** The service's errors, possibly none. */
  public List<ErrorDetail> errors() {
    return errors;
  }

  /** The lines written to stderr. */
  public List<String> lines() {
    List<String> lines = new java.util.ArrayList<>();
    lines.add("error: " + getMessage());
    for (ErrorDetail e : errors) {
      String path = e.path() == null || e.path().isBlank() ? "" : " at " + e.path();
      lines.add("  " + e.code() + path + ": " + e.message());
    }
    if (hint != null && !hint.isBlank()) {
      lines.add("hint: " + hint);
    }
    return lines;
  }
}
