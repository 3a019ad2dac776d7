package dev.lockstep.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.Fixtures;
import dev.lockstep.cli.model.Upgrade;
import dev.lockstep.events.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lockstep status}: an upgrade as an upgrade guide shows it, from the recorder's JSON. */
class UpgradeStatusTextTest {
  private final JsonNode rolledBack = Fixtures.json("upgrade-rolled-back.json");
  private final String id = rolledBack.path("upgradeId").asText();

  @Test
  void theVersionTableHasComponentFromToAndStateAligned() {
    List<String> lines = UpgradeText.of(Upgrade.of(rolledBack));

    assertThat(lines)
        .containsSequence(
            "COMPONENT  FROM    TO      STATE",
            "postgres   15.3.0  15.4.0  rolled-back",
            "metis      2.3.1   2.4.0   rolled-back");
  }

  @Test
  void theHeaderSaysWhatHappenedWhoAskedWhyAndHowLongItTook() {
    List<String> lines = UpgradeText.of(Upgrade.of(rolledBack));

    assertThat(lines)
        .startsWith(
            "upgrade " + id + " of dataos-prod: 2.3.0 -> 2.4.0",
            "status     rolled-back",
            "requested  alice@example.com: quarterly platform release 2.4.0",
            "started    2026-11-22T10:00:02Z, ended 2026-11-22T10:00:25Z (23s)",
            "failure    gate error-rate failed");
    assertThat(lines).contains("trace      4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void theGatesShowTheFailedOnesReason() {
    List<String> lines = UpgradeText.of(Upgrade.of(rolledBack));

    assertThat(lines)
        .containsSequence(
            "GATE        KIND        WAVE  STATE   DETAIL",
            "pg-health   prometheus  0     passed  1 measurement, last 0.001 (successful)",
            "error-rate  prometheus  1     failed  failureLimit 1 exceeded: error rate 0.042");
  }

  @Test
  void newAndRemovedComponentsAreNamedSoInTheTable() {
    ObjectNode json = rolledBack.deepCopy();
    ArrayNode versions = (ArrayNode) json.get("versions");
    ((ObjectNode) versions.get(0)).putNull("from");
    ((ObjectNode) versions.get(1)).putNull("to");

    assertThat(UpgradeText.of(Upgrade.of(json)))
        .containsSequence(
            "COMPONENT  FROM   TO         STATE",
            "postgres   (new)  15.4.0     rolled-back",
            "metis      2.3.1  (removed)  rolled-back");
  }

  @Test
  void anApprovalThatWaitsSaysWhichCommandApprovesIt() {
    ObjectNode json = Fixtures.json("upgrade-waiting-gate.json").deepCopy();
    json.put("status", "waiting-approval");
    ObjectNode approval = ((ArrayNode) json.get("approvals")).addObject();
    approval.put("upgradeId", json.get("upgradeId").asText());
    approval.put("stepId", "s-2-1");
    approval.put("component", "postgres");
    approval.put("message", "major version jump of postgres: approve when the backup is checked");
    approval.put("requestedAt", "2026-11-22T10:00:12Z");
    approval.putNull("approvedBy");

    assertThat(UpgradeText.of(Upgrade.of(json)))
        .containsSequence(
            "waiting for approval of step s-2-1 (postgres): major version jump of postgres:"
                + " approve when the backup is checked",
            "  approve it with: lockstep approve " + json.get("upgradeId").asText() + " s-2-1");
  }

  @Test
  void theListHasOneUpgradeARow() {
    ArrayNode list = Json.mapper().createArrayNode();
    list.add(rolledBack);
    list.add(Fixtures.json("upgrade-waiting-gate.json"));

    List<String> lines = UpgradeText.list(Upgrade.listOf(list));

    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .startsWith("UPGRADE")
        .contains("PLATFORM", "MODE", "STATUS", "RELEASE");
    assertThat(lines.get(1))
        .startsWith(id)
        .contains("dataos-prod", "upgrade", "rolled-back", "2.3.0 -> 2.4.0");
    assertThat(lines.get(2)).contains("waiting-gate");
    assertThat(UpgradeText.list(List.of())).containsExactly("no upgrades recorded");
  }

  @Test
  void fieldsANewerRecorderAddsAreIgnored() {
    ObjectNode json = rolledBack.deepCopy();
    json.put("someFutureField", 42);
    json.put("status", "paused");

    assertThat(UpgradeText.of(Upgrade.of(json))).contains("status     paused");
  }
}
