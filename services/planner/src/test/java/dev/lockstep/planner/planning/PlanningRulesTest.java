package dev.lockstep.planner.planning;

import static dev.lockstep.planner.TestingReleases.drained;
import static dev.lockstep.planner.TestingReleases.httpGate;
import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static dev.lockstep.planner.TestingReleases.request;
import static dev.lockstep.planner.TestingReleases.running;
import static dev.lockstep.planner.TestingReleases.stateful;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseMetadata;
import dev.lockstep.manifest.ReleaseSpec;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planning rules of DESIGN section 5, one example each, and every rejection code. */
class PlanningRulesTest {
  private static final Instant NOW = Instant.parse("2026-11-22T01:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static List<ErrorDetail> rejected(PlanningResult result) {
    assertThat(result).isInstanceOf(PlanningResult.Rejected.class);
    return ((PlanningResult.Rejected) result).errors();
  }

  private static int waveOf(Plan plan, String component) {
    return plan.waves().stream()
        .filter(w -> w.steps().stream().anyMatch(s -> s.component().equals(component)))
        .mapToInt(Wave::index)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void upgradesGoBottomUpThroughTheLayersAndIndependentComponentsShareAWave() {
    Release r =
        release(
            "2.0.0",
            List.of(),
            image("app", "user-space", "2.0.0", Map.of("metis", "^2.0.0")),
            image("metis", "core-kernel", "2.0.0", Map.of("postgres", "^15.0.0")),
            image("poros", "core-kernel", "2.0.0", Map.of()),
            image("postgres", "cloud-kernel", "15.4.0", Map.of()));
    List<RunningComponent> now =
        List.of(
            running("app", "user-space", "1.0.0", Map.of()),
            running("metis", "core-kernel", "1.0.0", Map.of()),
            running("poros", "core-kernel", "1.0.0", Map.of()),
            running("postgres", "cloud-kernel", "15.3.0", Map.of()));

    Plan plan = UpgradePlanner.plan(request(r, now), CLOCK).planOrThrow();

    assertThat(plan.waves())
        .extracting(Wave::layer)
        .containsExactly("cloud-kernel", "core-kernel", "user-space");
    assertThat(waveOf(plan, "metis")).isEqualTo(waveOf(plan, "poros"));
    assertThat(plan.versions())
        .contains(new VersionChange("postgres", "cloud-kernel", "15.3.0", "15.4.0"));
  }

  @Test
  void aRunningComponentThatRequiresOneNobodyRunsDoesNotStopThePlan() {
    // the inventory says ui requires "ghost", which neither runs nor is in the release: no order
    // of the release's changes mends or breaks that, so the plan goes ahead (it used to crash)
    Release r =
        release(
            "2.0.0",
            List.of(),
            image("metis", "core-kernel", "2.0.0", Map.of()),
            image("poros", "core-kernel", "2.0.0", Map.of("metis", "^2.0.0")));
    List<RunningComponent> now =
        List.of(
            running("metis", "core-kernel", "1.0.0", Map.of()),
            running("poros", "core-kernel", "1.0.0", Map.of("metis", ">=1.0.0")),
            running("ui", "user-space", "1.0.0", Map.of("ghost", "^1.0.0", "metis", ">=1.0.0")));

    Plan plan = UpgradePlanner.plan(request(r, now), CLOCK).planOrThrow();

    assertThat(plan.versions())
        .contains(
            new VersionChange("metis", "core-kernel", "1.0.0", "2.0.0"),
            new VersionChange("poros", "core-kernel", "1.0.0", "2.0.0"));
    assertThat(waveOf(plan, "poros")).isGreaterThan(waveOf(plan, "metis"));
  }

  @Test
  void withinALayerAComponentWaitsForTheComponentsItRequires() {
    Release r =
        release(
            "2.0.0",
            List.of(),
            image("metis", "core-kernel", "2.0.0", Map.of("poros", "^2.0.0")),
            image("poros", "core-kernel", "2.0.0", Map.of()));
    List<RunningComponent> now =
        List.of(
            running("metis", "core-kernel", "1.0.0", Map.of("poros", "^1.0.0")),
            running("poros", "core-kernel", "1.0.0", Map.of()));

    PlanningResult result = UpgradePlanner.plan(request(r, now), CLOCK);

    // metis 1 needs poros 1 and metis 2 needs poros 2: no wave order keeps both true
    assertThat(rejected(result))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.INCOMPATIBLE_INTERMEDIATE_STATE);
              assertThat(e.message()).contains("metis").contains("poros");
            });

    List<RunningComponent> tolerant =
        List.of(
            running("metis", "core-kernel", "1.0.0", Map.of("poros", ">=1.0.0")),
            running("poros", "core-kernel", "1.0.0", Map.of()));
    Plan plan = UpgradePlanner.plan(request(r, tolerant), CLOCK).planOrThrow();
    assertThat(waveOf(plan, "poros")).isLessThan(waveOf(plan, "metis"));
  }

  @Test
  void aChangeThatWouldBreakAnOldComponentWaitsUntilThatComponentMovesToo() {
    // naive: wave 0 = {poros, zeta}, which leaves metis 1 (needs poros ^1) broken;
    // the planner delays poros to metis's wave instead
    Release r =
        release(
            "2.0.0",
            List.of(),
            image("zeta", "core-kernel", "2.0.0", Map.of()),
            image("metis", "core-kernel", "2.0.0", Map.of("zeta", "^2.0.0")),
            image("poros", "core-kernel", "2.0.0", Map.of()));
    List<RunningComponent> now =
        List.of(
            running("zeta", "core-kernel", "1.0.0", Map.of()),
            running("metis", "core-kernel", "1.0.0", Map.of("poros", "^1.0.0")),
            running("poros", "core-kernel", "1.0.0", Map.of()));

    Plan plan = UpgradePlanner.plan(request(r, now), CLOCK).planOrThrow();

    assertThat(waveOf(plan, "zeta")).isEqualTo(0);
    assertThat(waveOf(plan, "poros")).isEqualTo(waveOf(plan, "metis")).isEqualTo(1);
  }

  @Test
  void aBreakAcrossLayersIsRejectedNamingBothComponents() {
    Release r =
        release(
            "3.0.0",
            List.of(),
            image("metis", "core-kernel", "3.0.0", Map.of()),
            image("app", "user-space", "2.0.0", Map.of("metis", "^3.0.0")));
    List<RunningComponent> now =
        List.of(
            running("metis", "core-kernel", "2.0.0", Map.of()),
            running("app", "user-space", "1.0.0", Map.of("metis", "^2.0.0")));

    List<ErrorDetail> errors = rejected(UpgradePlanner.plan(request(r, now), CLOCK));

    assertThat(errors)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.INCOMPATIBLE_INTERMEDIATE_STATE);
              assertThat(e.path()).isEqualTo("release.spec.components[0]");
              assertThat(e.message())
                  .contains("metis to 3.0.0 breaks app 1.0.0")
                  .contains("higher layer");
            });
  }

  @Test
  void everyStaticProblemIsReportedAtOnceWithItsCode() {
    Component dupA = image("dup", "core-kernel", "1.0.0", Map.of());
    Component dupB = image("dup", "core-kernel", "1.0.1", Map.of());
    Release r =
        release(
            "not-a-version",
            List.of(),
            dupA,
            dupB,
            image("badver", "core-kernel", "v1", Map.of()),
            image("badrange", "core-kernel", "1.0.0", Map.of("dup", "~>banana")),
            image("lost", "nowhere", "1.0.0", Map.of()),
            image("orphan", "core-kernel", "1.0.0", Map.of("ghost", "^1.0.0")),
            image("a", "core-kernel", "1.0.0", Map.of("b", "^1.0.0")),
            image("b", "core-kernel", "1.0.0", Map.of("a", "^1.0.0")),
            image("greedy", "core-kernel", "1.0.0", Map.of("a", "^2.0.0")));

    List<ErrorDetail> errors = rejected(UpgradePlanner.plan(request(r, List.of()), CLOCK));

    assertThat(errors)
        .extracting(ErrorDetail::code)
        .contains(
            Codes.INVALID_VERSION,
            Codes.DUPLICATE_COMPONENT,
            Codes.INVALID_RANGE,
            Codes.UNKNOWN_LAYER,
            Codes.UNKNOWN_DEPENDENCY,
            Codes.DEPENDENCY_CYCLE,
            Codes.UNSATISFIABLE_REQUIREMENT);
    assertThat(errors)
        .anySatisfy(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.DEPENDENCY_CYCLE);
              assertThat(e.message()).contains("a, b");
            })
        .anySatisfy(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.UNSATISFIABLE_REQUIREMENT);
              assertThat(e.path()).isEqualTo("release.spec.components[8].requires.a");
              assertThat(e.message()).contains("greedy").contains("a 1.0.0");
            })
        .anySatisfy(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.UNKNOWN_DEPENDENCY);
              assertThat(e.message()).contains("orphan").contains("ghost");
            })
        .anySatisfy(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.DUPLICATE_COMPONENT);
              assertThat(e.path()).isEqualTo("release.spec.components[1].name");
            });
  }

  @Test
  void stepsAreBackupBeforeAStatefulChangeAndDrainMigrateChangeRestoreWithGatesAfterTheWave() {
    Gate errorRate = httpGate("error-rate");
    Gate metisHealth = httpGate("metis-health");
    Release r =
        release(
            "2.4.0",
            List.of(errorRate),
            stateful("postgres", "cloud-kernel", "15.4.0"),
            drained("metis", "core-kernel", "2.4.0", Map.of("postgres", "^15.0.0"), metisHealth));
    List<RunningComponent> now =
        List.of(
            running("postgres", "cloud-kernel", "15.3.0", Map.of()),
            running("metis", "core-kernel", "2.3.1", Map.of("postgres", "^15.0.0")));

    Plan plan = UpgradePlanner.plan(request(r, now), CLOCK).planOrThrow();

    assertThat(plan.waves().get(0).steps())
        .extracting(PlanStep::id, PlanStep::action)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("s-0-1", StepAction.BACKUP),
            org.assertj.core.groups.Tuple.tuple("s-0-2", StepAction.SET_IMAGE));
    assertThat(plan.waves().get(0).steps().get(0).backup().volumeSnapshotClass())
        .isEqualTo("csi-snapclass");
    assertThat(plan.waves().get(1).steps())
        .extracting(PlanStep::action)
        .containsExactly(
            StepAction.DRAIN,
            StepAction.MIGRATE,
            StepAction.SET_IMAGE,
            StepAction.RESTORE_REPLICAS);
    assertThat(plan.waves().get(1).steps().get(0).targets())
        .extracting(t -> t.name())
        .containsExactly("metis-operator");
    assertThat(plan.waves().get(1).steps().get(2).image())
        .isEqualTo("registry.example.com/metis:2.4.0");
    assertThat(plan.waves().get(1).gates())
        .extracting(PlannedGate::name, PlannedGate::component)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("metis-health", "metis"),
            org.assertj.core.groups.Tuple.tuple("error-rate", null));
    assertThat(plan.waves().get(0).gates())
        .extracting(PlannedGate::name)
        .containsExactly("error-rate");
    assertThat(plan.expectedDowntime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(plan.risk().factors())
        .contains("stateful change: postgres", "migration: metis", "expected downtime: PT5M");
    assertThat(plan.risk().score()).isBetween(1, 100);
  }

  @Test
  void aMajorJumpRaisesTheRisk() {
    List<RunningComponent> now = List.of(running("poros", "core-kernel", "1.9.0", Map.of()));
    Plan minor =
        UpgradePlanner.plan(
                request(
                    release("2.0.0", List.of(), image("poros", "core-kernel", "1.10.0", Map.of())),
                    now),
                CLOCK)
            .planOrThrow();
    Plan major =
        UpgradePlanner.plan(
                request(
                    release("2.0.0", List.of(), image("poros", "core-kernel", "2.0.0", Map.of())),
                    now),
                CLOCK)
            .planOrThrow();

    assertThat(major.risk().factors()).contains("major version jump: poros 1.x -> 2.x");
    assertThat(major.risk().score()).isGreaterThan(minor.risk().score());
  }

  @Test
  void aComponentTheReleaseDropsIsRemovedOnlyAfterItsDependentsNoLongerNeedIt() {
    Release r = release("2.0.0", List.of(), image("app", "user-space", "2.0.0", Map.of()));
    List<RunningComponent> now =
        List.of(
            running("legacy", "core-kernel", "1.0.0", Map.of()),
            running("app", "user-space", "1.0.0", Map.of("legacy", "^1.0.0")));

    Plan plan = UpgradePlanner.plan(request(r, now), CLOCK).planOrThrow();

    assertThat(waveOf(plan, "legacy")).isGreaterThan(waveOf(plan, "app"));
    PlanStep remove = plan.waves().get(waveOf(plan, "legacy")).steps().get(0);
    assertThat(remove.action()).isEqualTo(StepAction.REMOVE);
    assertThat(remove.to()).isNull();
    assertThat(remove.targets()).extracting(t -> t.name()).containsExactly("legacy");
    assertThat(plan.versions()).contains(new VersionChange("legacy", "core-kernel", "1.0.0", null));
  }

  @Test
  void aComponentAlreadyAtItsVersionGetsNoSteps() {
    Release r =
        release(
            "2.0.0",
            List.of(),
            image("poros", "core-kernel", "1.0.0", Map.of()),
            image("metis", "core-kernel", "2.0.0", Map.of()));
    List<RunningComponent> now =
        List.of(
            running("poros", "core-kernel", "1.0.0", Map.of()),
            running("metis", "core-kernel", "1.0.0", Map.of()));

    Plan plan = UpgradePlanner.plan(request(r, now), CLOCK).planOrThrow();

    assertThat(plan.waves())
        .flatExtracting(Wave::steps)
        .extracting(PlanStep::component)
        .containsOnly("metis");
  }

  @Test
  void aPlanThatTouchesANamespaceThePlatformDoesNotAllowIsRejected() {
    Release r =
        release(
            "2.0.0",
            List.of(),
            stateful("postgres", "cloud-kernel", "15.4.0"),
            image("metis", "core-kernel", "2.0.0", Map.of()));

    List<ErrorDetail> errors =
        rejected(UpgradePlanner.plan(request(r, List.of(), null, Set.of("core")), CLOCK));

    assertThat(errors)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.NAMESPACE_NOT_ALLOWED);
              assertThat(e.path()).isEqualTo("release.spec.components[0].workload.namespace");
              assertThat(e.message()).contains("postgres").contains("'data'");
            });
  }

  @Test
  void theWindowTravelsWithThePlanAndAClosedOrInvertedWindowIsRejected() {
    Release r = release("2.0.0", List.of(), image("metis", "core-kernel", "2.0.0", Map.of()));
    Window open = new Window(NOW.plusSeconds(3600), NOW.plusSeconds(7200));

    Plan plan = UpgradePlanner.plan(request(r, List.of(), open, null), CLOCK).planOrThrow();
    assertThat(plan.window()).isEqualTo(open);

    Window closed = new Window(NOW.minusSeconds(7200), NOW.minusSeconds(3600));
    assertThat(rejected(UpgradePlanner.plan(request(r, List.of(), closed, null), CLOCK)))
        .extracting(ErrorDetail::code, ErrorDetail::path)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Codes.OUTSIDE_WINDOW, "window.notAfter"));

    Window inverted = new Window(NOW.plusSeconds(7200), NOW.plusSeconds(3600));
    assertThat(rejected(UpgradePlanner.plan(request(r, List.of(), inverted, null), CLOCK)))
        .extracting(ErrorDetail::code)
        .containsExactly(Codes.OUTSIDE_WINDOW);
  }

  @Test
  void aComponentWithABlankNameIsRejectedWithItsPathNotThrown() {
    Release r =
        release(
            "2.0.0",
            List.of(),
            image("a", "core-kernel", "1.0.0", Map.of()),
            image(" ", "core-kernel", "1.0.0", Map.of("a", "^1.0.0")),
            image("b", "core-kernel", "1.0.0", Map.of(" ", "^1.0.0")));

    List<ErrorDetail> errors = rejected(UpgradePlanner.plan(request(r, List.of()), CLOCK));

    assertThat(errors)
        .anySatisfy(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.INVALID_MANIFEST);
              assertThat(e.path()).isEqualTo("release.spec.components[1].name");
            });
  }

  @Test
  void aReleaseWithoutSpecIsRejectedNotThrown() {
    Release empty =
        new Release(
            Release.API_VERSION, Release.KIND, new ReleaseMetadata("x", "1.0.0", null), null);
    assertThat(rejected(UpgradePlanner.plan(request(empty, List.of()), CLOCK)))
        .extracting(ErrorDetail::code)
        .containsExactly(Codes.INVALID_MANIFEST);
    Release noLayers =
        new Release(
            Release.API_VERSION,
            Release.KIND,
            new ReleaseMetadata("x", "1.0.0", null),
            new ReleaseSpec(
                List.of(), List.of(image("a", "core-kernel", "1.0.0", Map.of())), List.of()));
    assertThat(rejected(UpgradePlanner.plan(request(noLayers, List.of()), CLOCK)))
        .extracting(ErrorDetail::code)
        .containsExactly(Codes.UNKNOWN_LAYER);
  }
}
