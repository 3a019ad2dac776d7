package dev.lockstep.planner.ordering;

import static dev.lockstep.planner.TestingReleases.LAYERS;
import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.ordering.RollbackOrdering.Member;
import dev.lockstep.planner.ordering.RollbackOrdering.Ordering;
import dev.lockstep.planner.rollback.RollbackPlanner;
import dev.lockstep.planner.rollback.RollbackRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The order of a rollback (DESIGN section 5): top-down by layer, within a layer a component before
 * the components it requires, independent components together; a cycle within a layer is rejected
 * with its members named, as the upgrade direction rejects it.
 */
class RollbackOrderingTest {
  private static Member member(String name, String layer, String... requires) {
    return new Member(name, layer, List.of(requires));
  }

  private static Ordering order(Member... members) {
    return RollbackOrdering.order(LAYERS, List.of(members), "history");
  }

  @Test
  void goesTopDownThroughTheLayersAndPutsADependentBackBeforeWhatItRequires() {
    Ordering ordering =
        order(
            member("postgres", "cloud-kernel"),
            member("zeta", "core-kernel"),
            member("metis", "core-kernel", "zeta", "postgres"),
            member("app", "user-space", "metis"));

    assertThat(ordering.errors()).isEmpty();
    assertThat(ordering.waves())
        .containsExactly(List.of("app"), List.of("metis"), List.of("zeta"), List.of("postgres"));
  }

  @Test
  void componentsThatDoNotDependOnEachOtherShareAWaveInTheGivenOrder() {
    Ordering ordering =
        order(
            member("zeta", "core-kernel"),
            member("poros", "core-kernel"),
            member("metis", "core-kernel", "poros"),
            member("outside", "core-kernel", "not-rolled-back"));

    assertThat(ordering.waves())
        .containsExactly(List.of("zeta", "metis", "outside"), List.of("poros"));
  }

  @Test
  void aComponentOfNoKnownLayerIsRolledBackFirst() {
    Ordering ordering =
        order(member("app", "user-space"), member("edge", null), member("gateway", "edge-layer"));

    assertThat(ordering.waves()).containsExactly(List.of("edge", "gateway"), List.of("app"));
  }

  @Test
  void aCycleWithinALayerIsRejectedNamingItsMembersOnly() {
    Ordering ordering =
        order(
            member("app", "user-space"),
            member("waits", "core-kernel", "metis"),
            member("metis", "core-kernel", "poros", "zeta"),
            member("poros", "core-kernel", "metis"),
            member("zeta", "core-kernel"));

    assertThat(ordering.waves()).isEmpty();
    assertThat(ordering.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.DEPENDENCY_CYCLE);
              assertThat(e.path()).isEqualTo("history");
              assertThat(e.message())
                  .startsWith("components metis, poros require each other in a cycle")
                  .doesNotContain("waits")
                  .doesNotContain("zeta");
            });
  }

  @Test
  void everyCycleIsReportedAtOnce() {
    Ordering ordering =
        order(
            member("a", "user-space", "b"),
            member("b", "user-space", "a"),
            member("c", "core-kernel", "d"),
            member("d", "core-kernel", "e"),
            member("e", "core-kernel", "c"));

    assertThat(ordering.errors())
        .extracting(ErrorDetail::message)
        .containsExactly(
            "components a, b require each other in a cycle, so none of them can be rolled back"
                + " before the others",
            "components c, d, e require each other in a cycle, so none of them can be rolled back"
                + " before the others");
  }

  @Test
  void aRollbackWhoseComponentsRequireEachOtherIsRejectedNotMergedIntoOneWave() {
    RollbackRequest request =
        new RollbackRequest(
            "rb-1",
            "u-1",
            "p-1",
            List.of(
                setImage("s-0-1", "poros", "1.9.0", "2.0.0"),
                setImage("s-0-2", "metis", "2.3.1", "2.4.0")),
            List.of(
                running("poros", "core-kernel", "2.0.0", Map.of("metis", "^2.4.0")),
                running("metis", "core-kernel", "2.4.0", Map.of("poros", "^2.0.0"))),
            LAYERS,
            Map.of(),
            Map.of(),
            Map.of(),
            "2.0.0",
            "1.0.0",
            List.of());

    PlanningResult result = RollbackPlanner.plan(request);

    assertThat(result).isInstanceOf(PlanningResult.Rejected.class);
    assertThat(((PlanningResult.Rejected) result).errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(Codes.DEPENDENCY_CYCLE);
              assertThat(e.message()).contains("poros, metis");
            });
  }

  private static StepOutcome setImage(String step, String component, String from, String to) {
    return new StepOutcome(step, component, StepAction.SET_IMAGE, from, to, List.of(), null);
  }
}
