package dev.lockstep.planner.validation;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.Versions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks of a release that need no platform: invalid versions and ranges, duplicate components,
 * unknown layers and dependencies, dependency cycles and requirements that the release's own
 * versions cannot satisfy. Every problem is reported at once, with a path into the request and a
 * message that names the components.
 */
public final class ReleaseChecks {
  private ReleaseChecks() {}

  /**
   * Every problem of the release.
   *
   * @param release the release (already read into records)
   * @param base the path of the release in the request ({@code release}, or empty)
   */
  public static List<ErrorDetail> check(Release release, String base) {
    List<ErrorDetail> errors = new ArrayList<>();
    String root = base == null || base.isEmpty() ? "" : base + ".";
    if (release == null || release.spec() == null || release.metadata() == null) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST, base, "the release needs metadata and spec sections"));
      return errors;
    }
    if (release.metadata().version() != null
        && Versions.version(release.metadata().version()).isEmpty()) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_VERSION,
              root + "metadata.version",
              "the release version '" + release.metadata().version() + "' is not semver"));
    }
    List<Component> components = release.spec().components();
    Set<String> layers = new HashSet<>(release.spec().layers());
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      String path = root + "spec.components[" + i + "]";
      if (c == null || c.name() == null || c.name().isBlank()) {
        errors.add(
            new ErrorDetail(Codes.INVALID_MANIFEST, path + ".name", "a component needs a name"));
        continue;
      }
      Integer first = index.putIfAbsent(c.name(), i);
      if (first != null) {
        errors.add(
            new ErrorDetail(
                Codes.DUPLICATE_COMPONENT,
                path + ".name",
                "component '"
                    + c.name()
                    + "' is declared twice (also at spec.components["
                    + first
                    + "])"));
      }
      if (c.layer() == null || !layers.contains(c.layer())) {
        errors.add(
            new ErrorDetail(
                Codes.UNKNOWN_LAYER,
                path + ".layer",
                "component '"
                    + c.name()
                    + "' is in layer '"
                    + c.layer()
                    + "', which spec.layers "
                    + release.spec().layers()
                    + " does not list"));
      }
      if (Versions.version(c.version()).isEmpty()) {
        errors.add(
            new ErrorDetail(
                Codes.INVALID_VERSION,
                path + ".version",
                "component '"
                    + c.name()
                    + "' has version '"
                    + c.version()
                    + "', which is not semver"));
      }
    }
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      if (c == null || c.name() == null) {
        continue;
      }
      String path = root + "spec.components[" + i + "].requires.";
      for (Map.Entry<String, String> req : c.requires().entrySet()) {
        String dep = req.getKey();
        boolean rangeOk = Versions.range(req.getValue()).isPresent();
        if (!rangeOk) {
          errors.add(
              new ErrorDetail(
                  Codes.INVALID_RANGE,
                  path + dep,
                  "component '"
                      + c.name()
                      + "' requires "
                      + dep
                      + " '"
                      + req.getValue()
                      + "', which is not an npm-style semver range"));
        }
        Integer d = index.get(dep);
        if (d == null) {
          errors.add(
              new ErrorDetail(
                  Codes.UNKNOWN_DEPENDENCY,
                  path + dep,
                  "component '"
                      + c.name()
                      + "' requires '"
                      + dep
                      + "', which the release does not contain"));
          continue;
        }
        Component target = components.get(d);
        if (rangeOk
            && Versions.version(target.version()).isPresent()
            && !Versions.satisfies(target.version(), req.getValue())) {
          errors.add(
              new ErrorDetail(
                  Codes.UNSATISFIABLE_REQUIREMENT,
                  path + dep,
                  "component '"
                      + c.name()
                      + "' requires "
                      + dep
                      + " '"
                      + req.getValue()
                      + "', but the release delivers "
                      + dep
                      + " "
                      + target.version()));
        }
      }
    }
    errors.addAll(cycles(components, index, root));
    return errors;
  }

  /** One error per dependency cycle (strongly connected component), naming its members. */
  private static List<ErrorDetail> cycles(
      List<Component> components, Map<String, Integer> index, String root) {
    int n = components.size();
    int[][] edges = new int[n][];
    for (int i = 0; i < n; i++) {
      Component c = components.get(i);
      if (c == null || c.name() == null || index.get(c.name()) != i) {
        edges[i] = new int[0];
        continue;
      }
      edges[i] =
          c.requires().keySet().stream()
              .map(index::get)
              .filter(d -> d != null)
              .mapToInt(Integer::intValue)
              .toArray();
    }
    List<ErrorDetail> errors = new ArrayList<>();
    for (List<Integer> scc : stronglyConnected(edges)) {
      boolean selfLoop =
          scc.size() == 1 && Arrays.stream(edges[scc.get(0)]).anyMatch(d -> d == scc.get(0));
      if (scc.size() < 2 && !selfLoop) {
        continue;
      }
      int first = scc.stream().mapToInt(Integer::intValue).min().orElseThrow();
      String names =
          scc.stream()
              .sorted()
              .map(i -> components.get(i).name())
              .collect(Collectors.joining(", "));
      errors.add(
          new ErrorDetail(
              Codes.DEPENDENCY_CYCLE,
              root + "spec.components[" + first + "].requires",
              "components " + names + " require each other in a cycle"));
    }
    return errors;
  }

  /**
   * The strongly connected components of a graph given as edge lists, by Tarjan's algorithm without
   * recursion (a release may have thousands of components); also used by {@code RollbackOrdering}.
   */
  public static List<List<Integer>> stronglyConnected(int[][] edges) {
    int n = edges.length;
    int[] idx = new int[n];
    int[] low = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(idx, -1);
    Deque<Integer> stack = new ArrayDeque<>();
    List<List<Integer>> result = new ArrayList<>();
    int counter = 0;
    int[] edgePos = new int[n];
    Deque<Integer> call = new ArrayDeque<>();
    for (int s = 0; s < n; s++) {
      if (idx[s] != -1) {
        continue;
      }
      call.push(s);
      idx[s] = low[s] = counter++;
      stack.push(s);
      onStack[s] = true;
      while (!call.isEmpty()) {
        int v = call.peek();
        if (edgePos[v] < edges[v].length) {
          int w = edges[v][edgePos[v]++];
          if (idx[w] == -1) {
            idx[w] = low[w] = counter++;
            stack.push(w);
            onStack[w] = true;
            call.push(w);
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], idx[w]);
          }
        } else {
          call.pop();
          if (!call.isEmpty()) {
            int parent = call.peek();
            low[parent] = Math.min(low[parent], low[v]);
          }
          if (low[v] == idx[v]) {
            List<Integer> scc = new ArrayList<>();
            int w;
            do {
              w = stack.pop();
              onStack[w] = false;
              scc.add(w);
            } while (w != v);
            result.add(scc);
          }
        }
      }
    }
    return result;
  }
}
