package dev.lockstep.cli.soak;

import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.events.EventEnvelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Upgrades on a local mode's platforms, to measure how long the flow takes (the orchestration
 * latency benchmark): each a release of its own ({@link SoakReleases}), every second one of the
 * soak's {@link UpgradeKind#FAILING_GATE} kind (its gate fails in wave 3 and it is rolled back),
 * the others {@link UpgradeKind#CLEAN}; run one at a time with the platforms in turn, or one on
 * each platform all at once; each followed by its events to its end, its rollback included. Unlike
 * the soak: no faults, no garbage, no cancels or approvals.
 */
public final class UpgradeLoad implements AutoCloseable {
  /** How long an upgrade is followed, its rollback included, before it counts as not ended. */
  private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(15);

  private final EventTap tap;
  private final Map<String, PlatformDriver> drivers = new LinkedHashMap<>();
  private int submitted;

  /** A load on every platform of the local mode; {@code log} hears what it submits. */
  public UpgradeLoad(LocalMode local, Consumer<String> log) {
    tap = new EventTap(local.bootstrapServers(), Set.copyOf(local.platforms()));
    PlatformDriver.Shared shared =
        new PlatformDriver.Shared(
            tap,
            new SoakHttp(local.token()),
            () -> Soak.urls(local.services(), LockstepService.PLANNER),
            () -> Soak.urls(local.services(), LockstepService.RECORDER),
            local.endpoints(),
            null,
            GIVE_UP_AFTER,
            () -> false,
            log);
    List<String> platforms = local.platforms();
    for (int i = 0; i < platforms.size(); i++) {
      // seeded by the platform: the upgrade ids drawn differ from those of another load's platforms
      // on the same broker
      drivers.put(
          platforms.get(i),
          PlatformDriver.of(local, platforms.get(i), shared, platforms.get(i).hashCode()));
    }
  }

  /**
   * Runs {@code count} upgrades one after the other on the first {@code platforms} platforms in
   * turn; each ended (or given up) before the next is submitted.
   */
  public List<UpgradeRun> oneAtATime(int count, int platforms) {
    List<PlatformDriver> used = first(platforms);
    List<UpgradeRun> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      runs.add(used.get(i % used.size()).runNext(nextKind()));
    }
    return runs;
  }

  /** Runs one upgrade on each of the first {@code platforms} platforms, all submitted at once. */
  public List<UpgradeRun> allAtOnce(int platforms) {
    List<UpgradeRun> runs = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (PlatformDriver driver : first(platforms)) {
      UpgradeKind kind = nextKind();
      Thread thread =
          new Thread(() -> runs.add(driver.runNext(kind)), "upgrade-load-" + driver.platform());
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    return List.copyOf(runs);
  }

  /**
   * Every event of the platforms on the topics so far, once the tap has read every topic up to its
   * end (at most a minute).
   */
  public List<EventEnvelope> events() {
    tap.catchUp(Duration.ofMinutes(1));
    return Soak.envelopes(tap);
  }

  private UpgradeKind nextKind() {
    return submitted++ % 2 == 0 ? UpgradeKind.FAILING_GATE : UpgradeKind.CLEAN;
  }

  private List<PlatformDriver> first(int platforms) {
    if (platforms < 1 || platforms > drivers.size()) {
      throw new IllegalArgumentException(
          "platforms must be 1 to " + drivers.size() + ", not " + platforms);
    }
    return List.copyOf(drivers.values()).subList(0, platforms);
  }

  /** Stops reading the topics. */
  @Override
  public void close() {
    tap.close();
  }
}
