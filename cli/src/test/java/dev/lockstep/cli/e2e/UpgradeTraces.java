package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.otlp.OtlpReceiver;
import dev.lockstep.testkit.otlp.ReceivedSpan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The spans of an upgrade and its rollback as a real OTLP receiver gets them from the services. */
final class UpgradeTraces {
  private UpgradeTraces() {}

  /**
   * What an operator's tracing backend shows of a rolled-back upgrade: the upgrade's trace (the one
   * the recorder names) holds spans of all five services in one tree, planning, then each wave with
   * its steps and their cluster calls and its gate measurements (the failing gate's marked as
   * errors), the notifications and the recorder's writes; the rollback is a trace of its own, whose
   * planning links to the upgrade's trace, with its own waves, steps and verification.
   */
  static void assertTheTraceTree(OtlpReceiver receiver, JsonNode upgrade, String rollbackId) {
    String upgradeId = upgrade.path("upgradeId").asText();
    String traceId = upgrade.path("traceId").asText();
    assertThat(traceId).as("the recorder names the upgrade's trace").matches("[0-9a-f]{32}");
    Set<String> five = Set.of("planner", "executor", "validator", "notifier", "rca-recorder");
    List<ReceivedSpan> spans =
        Eventually.value(
            receiver::spans,
            all ->
                all.stream()
                        .filter(s -> s.traceId().equals(traceId))
                        .map(ReceivedSpan::service)
                        .collect(java.util.stream.Collectors.toSet())
                        .containsAll(five)
                    && all.stream()
                        .anyMatch(
                            s ->
                                s.name().equals("record events")
                                    && rollbackId.equals(s.attribute("lockstep.upgrade.id"))),
            Duration.ofSeconds(30));
    Map<String, ReceivedSpan> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.spanId(), s));
    List<ReceivedSpan> trace = spans.stream().filter(s -> s.traceId().equals(traceId)).toList();

    // one tree: a single root, every other span's parent received
    assertThat(trace.stream().filter(s -> s.parentSpanId() == null))
        .as("the upgrade's trace has one root")
        .hasSize(1);
    assertThat(trace)
        .allSatisfy(
            s ->
                assertThat(s.parentSpanId() == null || byId.containsKey(s.parentSpanId()))
                    .as(s.service() + " span " + s.name() + " has its parent in the trace")
                    .isTrue());

    ReceivedSpan planning = only(trace, "plan upgrade");
    assertThat(planning.service()).isEqualTo("planner");
    assertThat(planning.attribute("lockstep.upgrade.id")).isEqualTo(upgradeId);
    List<ReceivedSpan> waves = named(trace, "wave ");
    assertThat(waves).isNotEmpty().allSatisfy(w -> assertThat(w.service()).isEqualTo("executor"));
    assertThat(waves).allSatisfy(w -> assertThat(ancestors(w, byId)).contains(planning));
    List<ReceivedSpan> steps = named(trace, "step ");
    assertThat(steps)
        .isNotEmpty()
        .allSatisfy(
            step ->
                assertThat(byId.get(step.parentSpanId()).name())
                    .as("the parent of " + step.name())
                    .startsWith("wave "));
    assertThat(trace)
        .filteredOn(s -> s.name().equals("cluster apply"))
        .isNotEmpty()
        .allSatisfy(c -> assertThat(byId.get(c.parentSpanId()).name()).startsWith("step "));
    assertThat(trace).anyMatch(s -> s.name().equals("cluster wait"));
    List<ReceivedSpan> failingGate = named(trace, "gate workbench-health measure");
    assertThat(failingGate)
        .isNotEmpty()
        .allSatisfy(
            m -> {
              assertThat(m.service()).isEqualTo("validator");
              assertThat(ancestors(m, byId)).anyMatch(a -> a.name().startsWith("wave "));
            })
        .anyMatch(m -> m.status().equals("STATUS_CODE_ERROR"));
    assertThat(trace)
        .filteredOn(s -> s.name().startsWith("notify "))
        .isNotEmpty()
        .allSatisfy(n -> assertThat(n.service()).isEqualTo("notifier"));
    assertThat(trace)
        .filteredOn(s -> s.name().equals("record events"))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.service()).isEqualTo("rca-recorder"));

    // the rollback: a trace of its own, linked to the upgrade's
    ReceivedSpan rollbackPlanning =
        spans.stream()
            .filter(
                s ->
                    s.name().equals("plan rollback")
                        && rollbackId.equals(s.attribute("lockstep.upgrade.id")))
            .findFirst()
            .orElseThrow();
    assertThat(rollbackPlanning.traceId()).isNotEqualTo(traceId);
    assertThat(rollbackPlanning.parentSpanId()).isNull();
    assertThat(rollbackPlanning.links()).anyMatch(link -> link.traceId().equals(traceId));
    List<ReceivedSpan> rollback =
        spans.stream().filter(s -> s.traceId().equals(rollbackPlanning.traceId())).toList();
    assertThat(named(rollback, "step ")).isNotEmpty();
    assertThat(rollback)
        .filteredOn(s -> s.name().startsWith("gate ") && s.name().endsWith(" measure"))
        .as("the rollback's verification")
        .isNotEmpty();
  }

  private static ReceivedSpan only(List<ReceivedSpan> spans, String name) {
    List<ReceivedSpan> found = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(found).as(name).hasSize(1);
    return found.get(0);
  }

  private static List<ReceivedSpan> named(List<ReceivedSpan> spans, String prefix) {
    return spans.stream().filter(s -> s.name().startsWith(prefix)).toList();
  }

  private static List<ReceivedSpan> ancestors(ReceivedSpan span, Map<String, ReceivedSpan> byId) {
    List<ReceivedSpan> ancestors = new ArrayList<>();
    for (ReceivedSpan parent = byId.get(span.parentSpanId());
        parent != null;
        parent = byId.get(parent.parentSpanId())) {
      ancestors.add(parent);
    }
    return ancestors;
  }
}
