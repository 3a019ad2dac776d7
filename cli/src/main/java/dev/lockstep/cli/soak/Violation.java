package dev.lockstep.cli.soak;

/**
 * An invariant that did not hold, with the evidence.
 *
 * @param invariant which one ({@link Invariant#id})
 * @param platform the platform, or null
 * @param upgradeId the upgrade, or null
 * @param message what was found
 */
record Violation(String invariant, String platform, String upgradeId, String message) {}
