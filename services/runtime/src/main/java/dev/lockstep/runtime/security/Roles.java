package dev.lockstep.runtime.security;

import java.util.List;

/** The roles of Lockstep's API tokens (DESIGN section 6). */
public final class Roles {
  /** May ask for upgrades, rollbacks and cancels, and publish releases. */
  public static final String SUBMITTER = "submitter";

  /** May approve steps that wait for a person. */
  public static final String APPROVER = "approver";

  /** May read everything. */
  public static final String VIEWER = "viewer";

  /**
   * May change what the services are configured to do through their APIs, such as the notifier's
   * subscriptions (which name channel destinations and secrets); grants nothing else by itself.
   */
  public static final String ADMIN = "admin";

  /** Every role. */
  public static final List<String> ALL = List.of(SUBMITTER, APPROVER, VIEWER, ADMIN);

  private Roles() {}
}
