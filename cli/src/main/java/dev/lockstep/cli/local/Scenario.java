package dev.lockstep.cli.local;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What {@code lockstep local --scenario NAME} runs on a sample platform: the release it submits
 * (the sample's {@code release-2.0.0.yaml}, or that with a variant file of the sample applied),
 * what it puts in place before the services start, what it does while its upgrade runs, and how the
 * upgrade must end for {@code --exit} to exit with 0.
 *
 * <p>A new scenario is one more constant: its name, the status it ends with, its variant file (or
 * null), a line for {@code --help}, and two functions of its {@link ScenarioRun}, the platform's
 * run: {@code prepare} (faults and hooks in the simulated cluster, data, windows) and {@code
 * during}, called with each event of the scenario's upgrade in log order, on a thread of its own. A
 * scenario may also name the events its upgrade must have published, in that order, for {@code
 * --exit} to count it as ended as expected.
 */
public enum Scenario {
  /**
   * The default: the new workbench image answers its health check with 503, so its gate fails after
   * the user-space wave and the automatic rollback runs top-down.
   */
  FAILING_GATE(
      "failing-gate",
      "rolled-back",
      null,
      "workbench 1.5.0 fails its health gate after wave 3; the upgrade rolls back top-down",
      ScenarioRun::failGate,
      Scenario::nothing,
      List.of()),
  /** No fault: the upgrade completes. */
  HAPPY(
      "happy",
      "completed",
      null,
      "no fault: the upgrade completes",
      run -> {},
      Scenario::nothing,
      List.of()),
  /**
   * metis has an approval gate; once the executor asks for it, the scenario grants it with {@code
   * lockstep approve} and the local operator's token, and the upgrade completes.
   */
  APPROVAL(
      "approval",
      "completed",
      "scenario-approval.yaml",
      "metis waits for an approval after wave 2, which the scenario grants with `lockstep approve`;"
          + " the upgrade completes",
      run -> {},
      (run, event) -> {
        if (event.data() instanceof ApprovalRequested asked) {
          run.cli(
              "approve",
              asked.upgradeId(),
              asked.stepId(),
              "--comment",
              "granted by the approval scenario");
        }
      },
      List.of()),
  /**
   * Once a step of wave 2 has started, the scenario cancels the upgrade with {@code lockstep
   * cancel}: it stops before its next step and what it did is rolled back.
   */
  CANCEL(
      "cancel",
      "rolled-back",
      null,
      "cancelled with `lockstep cancel` once wave 2 has started; what it did is rolled back",
      run -> {},
      (run, event) -> {
        if (event.data() instanceof StepStarted started && started.wave() == 2) {
          run.once(
              "cancel",
              () ->
                  run.cli(
                      "cancel",
                      started.upgradeId(),
                      "--reason",
                      "cancelled by the cancel scenario in wave 2"));
        }
      },
      List.of()),
  /**
   * metis's migration loses rows of a table in the sample's PostgreSQL; the row-count gate compares
   * with its baseline and fails; the rollback restores postgres's snapshot and its verification
   * finds every row again.
   */
  DATA_INTEGRITY(
      "data-integrity",
      "rolled-back",
      "scenario-data-integrity.yaml",
      "metis's migration loses rows, its row-count gate fails, the rollback restores the snapshot"
          + " and the verification passes",
      ScenarioRun::loseRowsInMigration,
      Scenario::nothing,
      List.of()),
  /**
   * The upgrade is submitted with a window that closes while metis migrates in wave 2 (the
   * migration lasts until then); the executor holds it before wave 3 ({@code
   * upgrade.window-closed}), the planner reschedules it into the platform's recurring window
   * ({@code upgrade.rescheduled}) and it carries on when that opens.
   */
  WINDOW_CLOSES(
      "window-closes",
      "completed",
      null,
      "its window closes during wave 2; the upgrade is held, rescheduled into the platform's next"
          + " window and completes in it",
      ScenarioRun::closeWindowDuringWave2,
      Scenario::nothing,
      List.of(UpgradeWindowClosed.class, UpgradeRescheduled.class)),
  /**
   * query-gateway may retry its steps once, and its new image fails its first rollout: the executor
   * publishes {@code step.retried}, the second rollout succeeds and the upgrade completes.
   */
  RETRY(
      "retry",
      "completed",
      "scenario-retry.yaml",
      "query-gateway 2.8.0 fails its first rollout; its step is retried (`retries: 1`) and the"
          + " upgrade completes",
      run -> run.failFirstRollout("query-gateway"),
      Scenario::nothing,
      List.of(StepRetried.class));

  private final String wire;
  private final String expectedStatus;
  private final String variant;
  private final String description;
  private final Consumer<ScenarioRun> prepare;
  private final BiConsumer<ScenarioRun, EventEnvelope> during;
  private final List<Class<? extends EventPayload>> mustSee;

  Scenario(
      String wire,
      String expectedStatus,
      String variant,
      String description,
      Consumer<ScenarioRun> prepare,
      BiConsumer<ScenarioRun, EventEnvelope> during,
      List<Class<? extends EventPayload>> mustSee) {
    this.mustSee = List.copyOf(mustSee);
    this.wire = wire;
    this.expectedStatus = expectedStatus;
    this.variant = variant;
    this.description = description;
    this.prepare = prepare;
    this.during = during;
  }

  /** The name on the command line, such as {@code failing-gate}. */
  public String wire() {
    return wire;
  }

  /** The recorder's status the upgrade ends with when the scenario went as it should. */
  public String expectedStatus() {
    return expectedStatus;
  }

  /**
   * The file of the sample directory applied to the release ({@link SamplePlatform#variant}), or
   * null for the release as it is.
   */
  public String variant() {
    return variant;
  }

  /**
   * The events the upgrade must have published, in this order (others between them), to have ended
   * as the scenario expects; empty when its status says enough.
   */
  public List<Class<? extends EventPayload>> mustSee() {
    return mustSee;
  }

  /** One line for a person: what happens. */
  public String description() {
    return description;
  }

  /** Puts the scenario in place on its platform, before the services start. */
  void prepare(ScenarioRun run) {
    prepare.accept(run);
  }

  /** What the scenario does when an event of its upgrade arrives. */
  void during(ScenarioRun run, EventEnvelope event) {
    during.accept(run, event);
  }

  private static void nothing(ScenarioRun run, EventEnvelope event) {}

  /** The scenario of that name; a clear error that lists the names otherwise. */
  public static Scenario parse(String name) {
    for (Scenario scenario : values()) {
      if (scenario.wire.equalsIgnoreCase(name == null ? "" : name.trim())) {
        return scenario;
      }
    }
    throw new IllegalArgumentException(
        "unknown scenario '" + name + "' (expected one of " + names() + ")");
  }

  /**
   * The scenarios of a comma-separated list ({@code approval,cancel}): with several platforms, the
   * platforms take them in turn.
   */
  public static List<Scenario> parseAll(String names) {
    List<Scenario> scenarios = new ArrayList<>();
    for (String name : (names == null ? "" : names).split(",", -1)) {
      scenarios.add(parse(name));
    }
    return List.copyOf(scenarios);
  }

  /** Every scenario's name, comma-separated. */
  public static String names() {
    return Arrays.stream(values()).map(Scenario::wire).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wire;
  }
}
