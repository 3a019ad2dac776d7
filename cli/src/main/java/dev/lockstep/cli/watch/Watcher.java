package dev.lockstep.cli.watch;

import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.model.Outcome;
import dev.lockstep.cli.render.Texts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Follows an upgrade until it ends ({@link Outcome#ended}), looking at it every interval and
 * handing each look over. It tolerates what is normal around an upgrade: the recorder not knowing a
 * just-submitted upgrade for a while, the recorder restarting once it has answered, and a failed
 * upgrade whose automatic rollback the planner is still planning.
 */
public final class Watcher {
  /** Waits between looks; tests pass one that advances a fake clock. */
  @FunctionalInterface
  public interface Sleeper {
    /** Waits for a duration. */
    void sleep(Duration duration) throws InterruptedException;

    /** {@link Thread#sleep}. */
    Sleeper REAL = d -> Thread.sleep(d.toMillis());
  }

  /**
   * How to follow.
   *
   * @param interval between looks
   * @param timeout the longest to follow, or null for no limit
   * @param notFoundGrace how long an upgrade may be unknown to the recorder before it is not found
   * @param outageGrace how long the recorder may be unreachable once it has answered
   * @param failedGrace how long a failed upgrade may wait for its rollback to be planned
   */
  public record Settings(
      Duration interval,
      Duration timeout,
      Duration notFoundGrace,
      Duration outageGrace,
      Duration failedGrace) {
    /** The defaults of {@code lockstep watch}, with an interval and a timeout. */
    public static Settings of(Duration interval, Duration timeout) {
      return new Settings(
          interval,
          timeout,
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          Duration.ofSeconds(60));
    }
  }

  private final Function<String, Snapshot> look;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Settings settings;

  /** A watcher that looks at an upgrade with a function (the recorder's GET). */
  public Watcher(Function<String, Snapshot> look, Clock clock, Sleeper sleeper, Settings settings) {
    this.look = look;
    this.clock = clock;
    this.sleeper = sleeper;
    this.settings = settings;
  }

  /** Follows the upgrade until it ends; returns its last look. */
  public Snapshot follow(String upgradeId, Consumer<Snapshot> each) {
    Instant start = clock.instant();
    Instant lastAnswer = null;
    Instant failedSince = null;
    Snapshot last = null;
    while (true) {
      Instant now = clock.instant();
      try {
        Snapshot snapshot = look.apply(upgradeId);
        lastAnswer = clock.instant();
        last = snapshot;
        each.accept(snapshot);
        if (Outcome.ended(snapshot.upgrade())) {
          return snapshot;
        }
        if (Outcome.endsAsFailed(snapshot.upgrade())) {
          failedSince = failedSince == null ? now : failedSince;
          if (!Duration.between(failedSince, now).minus(settings.failedGrace()).isNegative()) {
            return snapshot;
          }
        } else {
          failedSince = null;
        }
      } catch (CliException e) {
        boolean unknownYet =
            e.exitCode() == ExitCodes.NOT_FOUND
                && last == null
                && Duration.between(start, now).compareTo(settings.notFoundGrace()) < 0;
        boolean outage =
            e.exitCode() == ExitCodes.UNAVAILABLE
                && lastAnswer != null
                && Duration.between(lastAnswer, now).compareTo(settings.outageGrace()) < 0;
        if (!unknownYet && !outage) {
          throw e;
        }
      }
      if (settings.timeout() != null
          && Duration.between(start, clock.instant()).compareTo(settings.timeout()) >= 0) {
        throw new CliException(
            ExitCodes.TIMEOUT,
            "upgrade "
                + upgradeId
                + (last == null ? " is not recorded" : " is still " + last.upgrade().status())
                + " after "
                + Texts.duration(settings.timeout()),
            "follow it again with `lockstep watch " + upgradeId + "`");
      }
      try {
        sleeper.sleep(settings.interval());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(ExitCodes.TIMEOUT, "interrupted while following " + upgradeId, null);
      }
    }
  }
}
