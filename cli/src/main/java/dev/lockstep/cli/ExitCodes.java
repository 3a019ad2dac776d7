package dev.lockstep.cli;

/**
 * The exit codes of every {@code lockstep} command, which scripts may rely on (cli/README.md lists
 * them). They never change meaning; a new case gets a new number.
 */
public final class ExitCodes {
  /** The command did what was asked; for {@code watch}, the upgrade (or rollback) completed. */
  public static final int OK = 0;

  /**
   * The upgrade ended without completing: rolled back, cancelled, rejected by the planner, or
   * failed with no rollback following.
   */
  public static final int UPGRADE_NOT_COMPLETED = 1;

  /** The command line (or the config, or an input file) is wrong; nothing was sent. */
  public static final int USAGE = 2;

  /** A service rejected the request (a 4xx other than 401, 403 and 404); its errors are listed. */
  public static final int REJECTED = 3;

  /** No token, or the token is refused (401) or lacks the role (403). */
  public static final int NOT_AUTHORIZED = 4;

  /** The upgrade, step or platform is not known (404). */
  public static final int NOT_FOUND = 5;

  /** A service cannot be reached, timed out, or failed (5xx). */
  public static final int UNAVAILABLE = 6;

  /** The rollback itself failed: the platform needs a person. */
  public static final int ROLLBACK_FAILED = 7;

  /** {@code --timeout} passed before the upgrade ended. */
  public static final int TIMEOUT = 8;

  /** A defect in the command itself. */
  public static final int INTERNAL = 70;

  private ExitCodes() {}
}
