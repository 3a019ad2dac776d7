package dev.lockstep.executor.running;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which platforms this instance owns (those of its partitions of {@code lockstep.plans}), and
 * whether it has halted (it stops, or reached a crash point in a test). Every write and every
 * publish asks it first; work given up because of it is counted as abandoned.
 */
final class Ownership {
  private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);

  private final Set<String> owned = ConcurrentHashMap.newKeySet();
  private final AtomicInteger abandoned = new AtomicInteger();
  private volatile boolean halted;

  /** The platforms owned now. */
  Set<String> platforms() {
    return Set.copyOf(owned);
  }

  /** True while the platform is owned (halted or not). */
  boolean holds(String platform) {
    return owned.contains(platform);
  }

  /** True while the instance runs and owns the platform. */
  boolean mayAct(String platform) {
    return !halted && owned.contains(platform);
  }

  boolean halted() {
    return halted;
  }

  /** Takes over the platforms. */
  void take(Set<String> platforms) {
    owned.addAll(platforms);
  }

  /** Gives up the owned platforms that match. */
  void release(Predicate<String> platforms) {
    owned.removeIf(platforms);
  }

  /** Throws {@link Stopped} unless the instance runs and owns the platform. */
  void require(String platform) {
    if (halted) {
      throw new Stopped("the executor is stopping");
    }
    if (!owned.contains(platform)) {
      throw new Stopped("this instance no longer owns platform " + platform);
    }
  }

  /** Stops acting and publishing at once: the instance stops. */
  void stop() {
    halted = true;
  }

  /** Stops acting and publishing at once: a crash point was reached. */
  void halt(CrashPoints.Crash crash) {
    halted = true;
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
