package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.recorder.projection.Stories;
import dev.lockstep.recorder.store.EventRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stories that a batch's refresh reads with one query are the stories that one upgrade at a
 * time would read: its own events and its rollbacks' events, in log order, nothing else.
 */
class StoriesSplitTest {
  private static final Instant BASE = Instant.parse("2026-11-22T00:00:00Z");

  @Test
  void eachUpgradeGetsItsOwnAndItsRollbacksEventsInLogOrder() {
    EventRow a1 = row("a1", "up-a", 0);
    EventRow b1 = row("b1", "up-b", 1);
    EventRow r1 = row("r1", "rb-a", 2);
    EventRow a2 = row("a2", "up-a", 3);
    EventRow none = row("n1", null, 4);
    EventRow r2 = row("r2", "rb-a", 5);
    List<EventRow> logOrder = List.of(a1, b1, r1, a2, none, r2);

    Map<String, List<EventRow>> stories =
        Stories.split(List.of("up-a", "up-b", "rb-a"), Map.of("up-a", List.of("rb-a")), logOrder);

    assertThat(List.copyOf(stories.keySet())).isEqualTo(List.of("up-a", "up-b", "rb-a"));
    assertThat(stories.get("up-a")).isEqualTo(List.of(a1, r1, a2, r2));
    assertThat(stories.get("up-b")).isEqualTo(List.of(b1));
    assertThat(stories.get("rb-a")).isEqualTo(List.of(r1, r2));
  }

  @Test
  void anUpgradeWithoutStoredEventsHasAnEmptyStory() {
    Map<String, List<EventRow>> stories =
        Stories.split(List.of("up-x"), Map.of(), List.of(row("a1", "up-a", 0)));

    assertThat(stories).isEqualTo(Map.of("up-x", List.of()));
  }

  private static EventRow row(String id, String upgradeId, int offset) {
    return new EventRow(
        id,
        "lockstep.execution",
        0,
        offset,
        "step.started",
        1,
        "executor",
        "platform-1",
        upgradeId,
        upgradeId,
        null,
        BASE.plusSeconds(offset),
        null,
        null,
        null,
        "{}");
  }
}
