package dev.lockstep.events;

import java.util.List;

/** The Kafka topics of DESIGN section 2. Each is written by exactly one service. */
public final class Topics {
  /** External requests: upgrades, rollbacks, cancels, approvals, releases. */
  public static final String REQUESTS = "lockstep.requests";

  /** Plans and validated commands, written by the planner. */
  public static final String PLANS = "lockstep.plans";

  /** Execution progress, written by the executor. */
  public static final String EXECUTION = "lockstep.execution";

  /** Gate measurements and verdicts, written by the validator. */
  public static final String GATES = "lockstep.gates";

  /** Delivery outcomes, written by the notifier. */
  public static final String NOTIFICATIONS = "lockstep.notifications";

  /** Records that a consumer could not read, with the reason in headers. */
  public static final String DEADLETTER = "lockstep.deadletter";

  /** Every topic, the dead-letter topic included. */
  public static final List<String> ALL =
      List.of(REQUESTS, PLANS, EXECUTION, GATES, NOTIFICATIONS, DEADLETTER);

  /** The topics that carry events (everything but the dead-letter topic). */
  public static final List<String> EVENT_TOPICS =
      List.of(REQUESTS, PLANS, EXECUTION, GATES, NOTIFICATIONS);

  private Topics() {}
}
