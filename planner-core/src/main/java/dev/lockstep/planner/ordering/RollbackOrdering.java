package dev.lockstep.planner.ordering;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.validation.ReleaseChecks;
import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Orders the components of a rollback into waves (DESIGN section 5), the upgrade's order reversed:
 * top-down by layer; within a layer a component before the components it requires (a dependent is
 * put back while what it requires still runs the version it was built against); components that do
 * not depend on each other share a wave. Components that require each other in a cycle within a
 * layer have no such order: the result names them ({@code dependency-cycle}), as the upgrade
 * direction does, rather than rolling them back at once.
 */
public final class RollbackOrdering {
  /**
   * One component to roll back.
   *
   * @param component its name
   * @param layer its layer; null, or a layer the rollback does not list, counts as above every
   *     listed layer (rolled back first)
   * @param requires the components it requires, at the version it is rolled back from
   */
  public record Member(String component, @Nullable String layer, Collection<String> requires) {
    public Member {
      requires = List.copyOf(requires);
    }
  }

  /** The waves (each a list of components, all of one layer), or the cycles that leave none. */
  public record Ordering(List<List<String>> waves, List<ErrorDetail> errors) {
    public Ordering {
      waves = waves.stream().map(List::copyOf).toList();
      errors = List.copyOf(errors);
    }
  }

  private RollbackOrdering() {}

  /**
   * Orders a rollback.
   *
   * @param layers the layers, bottom to top
   * @param members the components to roll back; within a wave they keep this order
   * @param path where an error points in the request
   */
  public static Ordering order(List<String> layers, List<Member> members, String path) {
    Map<String, Integer> layerIndex = new LinkedHashMap<>();
    Map<String, Member> byName = new LinkedHashMap<>();
    for (Member m : members) {
      int idx = m.layer() == null ? -1 : layers.indexOf(m.layer());
      layerIndex.put(m.component(), idx < 0 ? layers.size() : idx);
      byName.put(m.component(), m);
    }
    List<List<String>> waves = new ArrayList<>();
    List<ErrorDetail> errors = new ArrayList<>();
    List<Integer> layerIds =
        layerIndex.values().stream().distinct().sorted(Comparator.reverseOrder()).toList();
    for (int l : layerIds) {
      List<String> inLayer = byName.keySet().stream().filter(c -> layerIndex.get(c) == l).toList();
      Map<String, Integer> blockers = new HashMap<>();
      Map<String, List<String>> unblocks = new HashMap<>();
      for (String c : inLayer) {
        blockers.put(c, 0);
      }
      for (String dependent : inLayer) {
        for (String dep : byName.get(dependent).requires()) {
          if (blockers.containsKey(dep) && !dep.equals(dependent)) {
            blockers.merge(dep, 1, Integer::sum);
            unblocks.computeIfAbsent(dependent, k -> new ArrayList<>()).add(dep);
          }
        }
      }
      List<String> left = new ArrayList<>(inLayer);
      while (!left.isEmpty()) {
        List<String> wave = left.stream().filter(c -> blockers.get(c) == 0).toList();
        if (wave.isEmpty()) {
          errors.addAll(cycles(left, unblocks, path));
          break;
        }
        for (String c : wave) {
          for (String dep : unblocks.getOrDefault(c, List.of())) {
            blockers.merge(dep, -1, Integer::sum);
          }
        }
        Set<String> gone = new HashSet<>(wave);
        left.removeIf(gone::contains);
        waves.add(wave);
      }
    }
    return new Ordering(errors.isEmpty() ? waves : List.of(), errors);
  }

  /**
   * One error per cycle among the components that no order can start with, naming its members (in
   * the order given); the components that only wait for a cycle are not named.
   */
  private static List<ErrorDetail> cycles(
      List<String> left, Map<String, List<String>> requires, String path) {
    Map<String, Integer> index = new HashMap<>();
    for (String c : left) {
      index.put(c, index.size());
    }
    int[][] edges = new int[left.size()][];
    for (int i = 0; i < left.size(); i++) {
      edges[i] =
          requires.getOrDefault(left.get(i), List.of()).stream()
              .filter(index::containsKey)
              .mapToInt(index::get)
              .toArray();
    }
    List<ErrorDetail> errors = new ArrayList<>();
    List<List<Integer>> sccs = new ArrayList<>(ReleaseChecks.stronglyConnected(edges));
    sccs.removeIf(scc -> scc.size() < 2);
    sccs.sort(Comparator.comparingInt(scc -> scc.stream().mapToInt(i -> i).min().orElse(0)));
    for (List<Integer> scc : sccs) {
      Set<Integer> members = Set.copyOf(scc);
      String names =
          java.util.stream.IntStream.range(0, left.size())
              .filter(members::contains)
              .mapToObj(left::get)
              .collect(Collectors.joining(", "));
      errors.add(
          new ErrorDetail(
              Codes.DEPENDENCY_CYCLE,
              path,
              "components "
                  + names
                  + " require each other in a cycle, so none of them can be rolled back before"
                  + " the others"));
    }
    return errors;
  }
}
