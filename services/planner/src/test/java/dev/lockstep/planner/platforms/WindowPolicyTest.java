package dev.lockstep.planner.platforms;

import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.windows.RecurringWindow;
import dev.lockstep.planner.windows.WindowPolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the planner does when a running upgrade's window closed ({@code upgrade.window-closed}), by
 * the platform's window policy: {@code pause} reschedules it into the next recurring window (or
 * leaves it held until a resume when there is none), {@code rollback} cancels the running upgrade,
 * as a cancel of a running upgrade does (which is rolled back). A request without a window is
 * planned in the platform's next recurring window.
 */
class WindowPolicyTest {
  private static final String P = "p-windows";
  private static final RecurringWindow TUE_THU =
      RecurringWindow.parse("Tue,Thu 22:00-02:00 Europe/Berlin");

  /** Tuesday 24 November 2026, noon in Berlin. */
  private static final Instant TUESDAY_NOON = Instant.parse("2026-11-24T11:00:00Z");

  private final List<EventEnvelope> log =
      new ArrayList<>(
          List.of(
              EventEnvelope.create(
                  EventCatalog.standard(),
                  "test",
                  P,
                  null,
                  TestingReleases.nothingRunning(P, Instant.EPOCH),
                  null,
                  Clock.systemUTC())));

  /**
   * A planner whose clock stands at {@code now}, its state rebuilt from the log so far (as a
   * planner restarted at that time would have it).
   */
  private PlannerCore core(WindowPolicy windowPolicy, List<RecurringWindow> windows, Instant now) {
    PlannerCore core =
        new PlannerCore(
            PlatformPolicy.of(Map.of(P, List.of("core"))).windows(P, windowPolicy, windows),
            Clock.fixed(now, ZoneOffset.UTC));
    core.rebuild(replay -> log.forEach(replay));
    return core;
  }

  private List<EventEnvelope> send(PlannerCore core, EventPayload payload) {
    EventEnvelope in =
        EventEnvelope.create(
            EventCatalog.standard(), "test", P, null, payload, null, Clock.systemUTC());
    log.add(in);
    List<EventEnvelope> out = core.handle(in);
    log.addAll(out);
    return out;
  }

  private static Release metis() {
    return release("1.1.0", List.of(), image("metis", "core-kernel", "1.1.0", Map.of()));
  }

  private PlanCreated upgrade(PlannerCore core, Window window) {
    List<EventEnvelope> out =
        send(core, new UpgradeRequested("u-1", P, metis(), null, "alice", "monthly", window));
    return out.get(0).dataAs(PlanCreated.class);
  }

  @Test
  void withPauseAClosedWindowIsRescheduledIntoTheNextRecurringWindow() {
    PlannerCore core = core(WindowPolicy.PAUSE, List.of(TUE_THU), TUESDAY_NOON);
    Window tuesday =
        new Window(Instant.parse("2026-11-24T21:00:00Z"), Instant.parse("2026-11-25T01:00:00Z"));
    assertThat(core.previewRequest(P, metis(), null, null).window())
        .as("the preview plans in the same window")
        .isEqualTo(tuesday);
    assertThat(upgrade(core, null).plan().window())
        .as("a request without a window gets the platform's next one")
        .isEqualTo(tuesday);

    core = core(WindowPolicy.PAUSE, List.of(TUE_THU), tuesday.notAfter().plusSeconds(60));
    List<EventEnvelope> out = send(core, new UpgradeWindowClosed("u-1", P, 1, tuesday.notAfter()));

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.subject()).isEqualTo("u-1");
              assertThat(e.dataAs(UpgradeRescheduled.class).window())
                  .as("Thursday's window")
                  .isEqualTo(
                      new Window(
                          Instant.parse("2026-11-26T21:00:00Z"),
                          Instant.parse("2026-11-27T01:00:00Z")));
            });
    assertThat(core.platform(P).active().status()).isEqualTo("scheduled");
    assertThat(send(core, new UpgradeWindowClosed("u-1", P, 1, tuesday.notAfter())))
        .as("the same event again")
        .isEmpty();

    assertThat(core(WindowPolicy.PAUSE, List.of(TUE_THU), Instant.now()).pumpAll())
        .as("a rebuilt planner has nothing left to answer")
        .isEmpty();
  }

  @Test
  void withPauseAndNoRecurringWindowTheUpgradeStaysHeldUntilItIsResumed() {
    Instant closes = TUESDAY_NOON.plusSeconds(3600);
    PlannerCore core = core(WindowPolicy.PAUSE, List.of(), TUESDAY_NOON);
    assertThat(upgrade(core, new Window(null, closes)).plan().window().notAfter())
        .isEqualTo(closes);

    core = core(WindowPolicy.PAUSE, List.of(), closes);
    assertThat(send(core, new UpgradeWindowClosed("u-1", P, 2, closes))).isEmpty();
    assertThat(core.platform(P).active().status()).isEqualTo("paused");

    assertThat(send(core, new UpgradeResumeRequested("u-1", P, "bob", "finish it")))
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(UpgradeResumed.class).resumedBy()).isEqualTo("bob"));
    assertThat(core.platform(P).active().status()).isEqualTo("scheduled");
  }

  @Test
  void withRollbackAClosedWindowCancelsTheRunningUpgrade() {
    Instant closes = TUESDAY_NOON.plusSeconds(3600);
    PlannerCore core = core(WindowPolicy.ROLLBACK, List.of(TUE_THU), TUESDAY_NOON);
    upgrade(core, new Window(null, closes));

    core = core(WindowPolicy.ROLLBACK, List.of(TUE_THU), closes);
    List<EventEnvelope> out = send(core, new UpgradeWindowClosed("u-1", P, 1, closes));

    // a cancel of the running upgrade: the executor ends it with upgrade.failed (cancelled), which
    // the planner rolls back automatically, as PlatformQueueTest shows for a failed upgrade
    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              UpgradeCancelled cancelled = e.dataAs(UpgradeCancelled.class);
              assertThat(cancelled.wasRunning()).isTrue();
              assertThat(cancelled.cancelledBy()).isEqualTo("planner");
              assertThat(cancelled.reason())
                  .contains("window closed at " + closes)
                  .contains("window-policy rollback");
            });
    assertThat(send(core, new UpgradeWindowClosed("u-1", P, 1, closes))).isEmpty();
  }

  @Test
  void invalidWindowSettingsStopThePlannerWithEveryProblemNamed() {
    assertThatThrownBy(
            () ->
                PlatformPolicy.fromTree(
                    Map.of(
                        P,
                        Map.of(
                            "namespaces",
                            List.of("core"),
                            "window-policy",
                            "wait",
                            "windows",
                            List.of(
                                "Tue 22:00-02:00 Europe/Berlin", "Fri 25:00-02:00 Mars/Base")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lockstep.platforms." + P + ".window-policy: 'wait' is not a window")
        .hasMessageContaining("lockstep.platforms." + P + ".windows[1]")
        .hasMessageContaining("'25:00' is not a time of day")
        .hasMessageContaining("'Mars/Base' is not a time zone");

    PlatformPolicy valid =
        PlatformPolicy.fromTree(
            Map.of(P, Map.of("namespaces", "core", "windows", List.of("Tue,Thu 22:00-02:00 UTC"))));
    assertThat(valid.windowPolicy(P)).isEqualTo(WindowPolicy.PAUSE);
    assertThat(valid.nextWindow(P, TUESDAY_NOON)).isPresent();
    assertThat(valid.nextWindow("elsewhere", TUESDAY_NOON)).isEmpty();
  }
}
