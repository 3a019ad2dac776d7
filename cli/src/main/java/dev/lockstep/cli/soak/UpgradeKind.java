package dev.lockstep.cli.soak;

import java.util.Set;

/** What the soak does with one upgrade, and how it may end. */
public enum UpgradeKind {
  /** Submitted and left alone: every gate passes, it completes. */
  CLEAN("clean", Set.of("completed")),
  /**
   * The release's workbench image is degraded in the platform's namespace before it is submitted:
   * gate workbench-health fails in wave 3, the upgrade is rolled back automatically (notebooks
   * never changed, so the rollback needs no approval).
   */
  FAILING_GATE("failing-gate", Set.of("rolled-back")),
  /**
   * Submitted and left to complete; then its rollback is requested ({@code POST
   * /api/v1/rollbacks}). Notebooks crossed a major version, so the rollback starts with an approval
   * step, which the soak approves through the planner's API.
   */
  APPROVAL("approval", Set.of("rolled-back")),
  /**
   * Submitted, then cancelled at a random moment ({@code POST /api/v1/upgrades/{id}/cancel}, or a
   * rollback requested while it runs): cancelled when still queued, rolled back when it had
   * started, completed when the cancel came too late.
   */
  CANCEL("cancel", Set.of("cancelled", "rolled-back", "completed"));

  private final String wire;
  private final Set<String> expected;

  UpgradeKind(String wire, Set<String> expected) {
    this.wire = wire;
    this.expected = expected;
  }

  /** The name in the report. */
  public String wire() {
    return wire;
  }

  /** The statuses this kind may end with when everything works. */
  public Set<String> expected() {
    return expected;
  }

  @Override
  public String toString() {
    return wire;
  }
}
