package dev.lockstep.cli.http;

import dev.lockstep.cli.config.CliConfig;
import java.net.URI;

/** The services the command talks to, with the variable that points at each. */
public enum Service {
  /** The front door: upgrades, previews, rollbacks, approvals, cancels, platforms. */
  PLANNER("planner", CliConfig.PLANNER_ENV),
  /** The record: upgrades' status and version tables, replay, post-mortems. */
  RECORDER("rca-recorder", CliConfig.RECORDER_ENV),
  /** The teams' feeds. */
  NOTIFIER("notifier", CliConfig.NOTIFIER_ENV);

  private final String label;
  private final String variable;

  Service(String label, String variable) {
    this.label = label;
    this.variable = variable;
  }

  /** Its name in messages. */
  public String label() {
    return label;
  }

  /** The environment variable with its URL. */
  public String variable() {
    return variable;
  }

  /** Its base URL in a configuration. */
  public URI base(CliConfig config) {
    return switch (this) {
      case PLANNER -> config.planner();
      case RECORDER -> config.recorder();
      case NOTIFIER -> config.notifier();
    };
  }
}
