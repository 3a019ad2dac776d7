package dev.lockstep.cli.commands;

/** The roles of the services' tokens, named when a token lacks one (HTTP 403). */
final class Roles {
  static final String VIEWER = "viewer (or any role)";
  static final String SUBMITTER = "submitter";
  static final String APPROVER = "approver";

  private Roles() {}
}
