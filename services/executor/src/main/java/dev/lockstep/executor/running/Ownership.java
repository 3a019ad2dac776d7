package dev.lockstep.executor.running;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which platforms this instance owns, and whether it has halted (it stops, or reached a crash point
 * in a test). A platform is <em>assigned</em> when the consumer group gave this instance its
 * partition of {@code lockstep.plans}; it is <em>owned</em> once, assigned, the instance also holds
 * its Lease ({@link PlatformLeases}) and has read its upgrades back from the log. Every write and
 * every publish asks first: owned, and the Lease still valid by the local clock. Work given up
 * because of it is counted as abandoned.
 */
final class Ownership {
  private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);

  private final PlatformLeases leases;
  private final Set<String> assigned = ConcurrentHashMap.newKeySet();
  private final Set<String> owned = ConcurrentHashMap.newKeySet();
  private final AtomicInteger abandoned = new AtomicInteger();
  private volatile boolean halted;

  Ownership(PlatformLeases leases) {
    this.leases = leases;
  }

  /** The platforms owned now, with a valid Lease. */
  Set<String> platforms() {
    return owned.stream().filter(leases::valid).collect(Collectors.toUnmodifiableSet());
  }

  /** True while the platform's partition is this instance's. */
  boolean isAssigned(String platform) {
    return assigned.contains(platform);
  }

  /** True while the platform is owned (halted or not), whatever its Lease says. */
  boolean holds(String platform) {
    return owned.contains(platform);
  }

  /** True while the instance runs, owns the platform, and its Lease is valid. */
  boolean mayAct(String platform) {
    return !halted && owned.contains(platform) && leases.valid(platform);
  }

  boolean halted() {
    return halted;
  }

  /** The platforms of newly assigned partitions. */
  void assign(Set<String> platforms) {
    assigned.addAll(platforms);
  }

  /** Takes over a platform: its Lease is held and its upgrades are read back. */
  void take(String platform) {
    owned.add(platform);
  }

  /** Gives up the owned platforms that match (their Lease was lost). */
  void release(Predicate<String> platforms) {
    owned.removeIf(platforms);
  }

  /** Gives up the assigned and owned platforms that match (their partition was revoked). */
  void unassign(Predicate<String> platforms) {
    assigned.removeIf(platforms);
    owned.removeIf(platforms);
  }

  /** Throws {@link Stopped} unless the instance runs, owns the platform and holds its Lease. */
  void require(String platform) {
    if (halted) {
      throw new Stopped("the executor is stopping");
    }
    if (!owned.contains(platform)) {
      throw new Stopped("this instance no longer owns platform " + platform);
    }
    if (!leases.valid(platform)) {
      throw new Stopped("this instance's Lease of platform " + platform + " is not valid");
    }
  }

  /** Stops acting and publishing at once: the instance stops. */
  void stop() {
    halted = true;
  }

  /**
   * Stops acting and publishing at once, and stops renewing its Leases without handing them over,
   * as a process that died would: a crash point was reached.
   */
  void halt(CrashPoints.Crash crash) {
    halted = true;
    leases.halt();
    LOG.warn("executor halted at a crash point: {}", crash.getMessage());
  }

  /** Counts a step given up in the middle; its new owner runs it again from the log. */
  void abandon() {
    abandoned.incrementAndGet();
  }

  int abandoned() {
    return abandoned.get();
  }
}
