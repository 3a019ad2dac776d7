package dev.lockstep.recorder.projection;

import dev.lockstep.recorder.store.EventRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Splits the rows of several upgrades, read with one query in log order, into the story of each
 * upgrade (its events and its rollbacks' events, still in log order): what {@link Projector#story}
 * reads for one upgrade, for many at once. Pure.
 */
public final class Stories {
  private Stories() {}

  /**
   * The story rows of each upgrade.
   *
   * @param upgradeIds the upgrades to tell
   * @param rollbacks for each upgrade, the upgrades that roll it back (no key: none)
   * @param rows the rows of every upgrade named above, in log order
   * @return for each given upgrade, in the given order, the rows of its story in log order
   */
  public static Map<String, List<EventRow>> split(
      Collection<String> upgradeIds, Map<String, List<String>> rollbacks, List<EventRow> rows) {
    return split(upgradeIds, rollbacks, rows, EventRow::upgradeId);
  }

  /**
   * The story of each upgrade, of anything that names the upgrade it belongs to ({@link
   * #split(Collection, Map, List)} for rows or for their places alone).
   *
   * @param upgradeIdOf the upgrade an element belongs to (null: none)
   */
  public static <T> Map<String, List<T>> split(
      Collection<String> upgradeIds,
      Map<String, List<String>> rollbacks,
      List<T> rows,
      Function<T, String> upgradeIdOf) {
    Map<String, List<T>> stories = new LinkedHashMap<>();
    Map<String, List<List<T>>> readers = new LinkedHashMap<>();
    for (String upgradeId : upgradeIds) {
      List<T> story = new ArrayList<>();
      if (stories.putIfAbsent(upgradeId, story) != null) {
        continue;
      }
      Set<String> ids = new HashSet<>(rollbacks.getOrDefault(upgradeId, List.of()));
      ids.add(upgradeId);
      for (String id : ids) {
        readers.computeIfAbsent(id, k -> new ArrayList<>()).add(story);
      }
    }
    for (T row : rows) {
      String upgradeId = upgradeIdOf.apply(row);
      if (upgradeId == null) {
        continue;
      }
      for (List<T> story : readers.getOrDefault(upgradeId, List.of())) {
        story.add(row);
      }
    }
    return stories;
  }
}
