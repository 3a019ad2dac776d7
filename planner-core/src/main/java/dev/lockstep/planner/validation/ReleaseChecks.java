package dev.lockstep.planner.validation;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.VersionRange;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.NameIndex;
import dev.lockstep.planner.model.Versions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks of a release that need no platform: invalid versions and ranges, duplicate components,
 * unknown layers and dependencies, dependency cycles and requirements that the release's own
 * versions cannot satisfy. Every problem is reported at once, with a path into the request and a
 * message that names the components.
 */
public final class ReleaseChecks {
  private static final int[] NONE = new int[0];
  private static final VersionRange[] NO_RANGES = new VersionRange[0];

  private ReleaseChecks() {}

  /**
   * Every problem of the release.
   *
   * @param release the release (already read into records)
   * @param base the path of the release in the request ({@code release}, or empty)
   */
  public static List<ErrorDetail> check(Release release, String base) {
    return checkAndResolve(release, base).errors();
  }

  /**
   * A release's components as the checks read them, for the wave ordering to take over rather than
   * look every name up and parse every version and range again. Per component {@code i} of the
   * release: its version, and its requirements in the order of its {@code requires} (the index of
   * the required component, or -1 when the release has none of that name, and the range, or null
   * when it is not a range).
   *
   * @param names the release's names, component {@code i} numbered {@code i}; complete only when
   *     {@code clean}
   * @param clean whether every component has a name of its own (no duplicate, none missing)
   */
  public record Resolved(
      NameIndex names,
      org.semver4j.Semver[] versions,
      int[][] requires,
      VersionRange[][] ranges,
      boolean clean) {}

  /**
   * The release's problems and its components as read for them.
   *
   * @param errors every problem of the release, as {@link #check} gives them
   * @param resolved the components as read; null when the release has no spec
   */
  public record Checked(List<ErrorDetail> errors, Resolved resolved) {}

  /** As {@link #check}, with the components as read for the checks. */
  public static Checked checkAndResolve(Release release, String base) {
    List<ErrorDetail> errors = new ArrayList<>();
    String root = base == null || base.isEmpty() ? "" : base + ".";
    if (release == null || release.spec() == null || release.metadata() == null) {
      errors.add(
          new ErrorDetail(
              Codes.INVALID_MANIFEST, base, "the release needs metadata and spec sections"));
      return new Checked(errors, null);
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
    NameIndex index = new NameIndex(components.size());
    // per number of a name in the index, where the first component of that name is
    int[] firstAt = new int[components.size()];
    // whether a component is the first of its name (a nameless one is not)
    boolean[] first = new boolean[components.size()];
    boolean[] nameless = new boolean[components.size()];
    boolean clean = true;
    // each component's version and requirements are read once, for all the checks below and for
    // the wave ordering
    org.semver4j.Semver[] versions = new org.semver4j.Semver[components.size()];
    int[][] edges = new int[components.size()][];
    Arrays.fill(edges, NONE);
    int[][] requires = new int[components.size()][];
    VersionRange[][] ranges = new VersionRange[components.size()][];
    Arrays.fill(requires, NONE);
    Arrays.fill(ranges, NO_RANGES);
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      if (c == null || c.name() == null || c.name().isBlank()) {
        errors.add(
            new ErrorDetail(
                Codes.INVALID_MANIFEST, component(root, i) + ".name", "a component needs a name"));
        nameless[i] = true;
        clean = false;
        continue;
      }
      int known = index.putIfAbsent(c.name());
      if (known < 0) {
        firstAt[index.size() - 1] = i;
        first[i] = true;
      } else {
        clean = false;
        errors.add(
            new ErrorDetail(
                Codes.DUPLICATE_COMPONENT,
                component(root, i) + ".name",
                "component '"
                    + c.name()
                    + "' is declared twice (also at spec.components["
                    + firstAt[known]
                    + "])"));
      }
      if (c.layer() == null || !layers.contains(c.layer())) {
        errors.add(
            new ErrorDetail(
                Codes.UNKNOWN_LAYER,
                component(root, i) + ".layer",
                "component '"
                    + c.name()
                    + "' is in layer '"
                    + c.layer()
                    + "', which spec.layers "
                    + release.spec().layers()
                    + " does not list"));
      }
      versions[i] = Versions.version(c.version()).orElse(null);
      if (versions[i] == null) {
        errors.add(
            new ErrorDetail(
                Codes.INVALID_VERSION,
                component(root, i) + ".version",
                "component '"
                    + c.name()
                    + "' has version '"
                    + c.version()
                    + "', which is not semver"));
      }
    }
    for (int i = 0; i < components.size(); i++) {
      Component c = components.get(i);
      if (nameless[i]) {
        continue;
      }
      int[] required = new int[c.requires().size()];
      VersionRange[] requiredRanges = new VersionRange[required.length];
      requires[i] = required;
      ranges[i] = requiredRanges;
      int k = 0;
      int r = 0;
      for (Map.Entry<String, String> req : c.requires().entrySet()) {
        String dep = req.getKey();
        Optional<VersionRange> range = Versions.range(req.getValue());
        boolean rangeOk = range.isPresent();
        int at = r++;
        requiredRanges[at] = range.orElse(null);
        required[at] = -1;
        if (!rangeOk) {
          errors.add(
              new ErrorDetail(
                  Codes.INVALID_RANGE,
                  component(root, i) + ".requires." + dep,
                  "component '"
                      + c.name()
                      + "' requires "
                      + dep
                      + " '"
                      + req.getValue()
                      + "', which is not an npm-style semver range"));
        }
        int named = index.get(dep);
        int d = named < 0 ? -1 : firstAt[named];
        if (d < 0) {
          errors.add(
              new ErrorDetail(
                  Codes.UNKNOWN_DEPENDENCY,
                  component(root, i) + ".requires." + dep,
                  "component '"
                      + c.name()
                      + "' requires '"
                      + dep
                      + "', which the release does not contain"));
          continue;
        }
        required[at] = d;
        k++;
        org.semver4j.Semver version = versions[d];
        if (rangeOk && version != null && !satisfies(range.get(), version)) {
          errors.add(
              new ErrorDetail(
                  Codes.UNSATISFIABLE_REQUIREMENT,
                  component(root, i) + ".requires." + dep,
                  "component '"
                      + c.name()
                      + "' requires "
                      + dep
                      + " '"
                      + req.getValue()
                      + "', but the release delivers "
                      + dep
                      + " "
                      + components.get(d).version()));
        }
      }
      edges[i] = k == required.length ? required : known(required, k);
    }
    errors.addAll(cycles(components, first, edges, root));
    return new Checked(errors, new Resolved(index, versions, requires, ranges, clean));
  }

  /** The {@code count} components of the release among {@code required}, in its order. */
  private static int[] known(int[] required, int count) {
    int[] known = new int[count];
    int k = 0;
    for (int d : required) {
      if (d >= 0) {
        known[k++] = d;
      }
    }
    return known;
  }

  /** The path of a component of the release. */
  private static String component(String root, int i) {
    return root + "spec.components[" + i + "]";
  }

  /** As {@link Versions#satisfies}, with the version and range already read. */
  private static boolean satisfies(VersionRange range, org.semver4j.Semver version) {
    try {
      return range.isSatisfiedBy(version);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * One error per dependency cycle (strongly connected component), naming its members.
   *
   * @param firstOfName per component, whether it is the first of its name
   * @param edges per component, the components of the release it requires, in its order
   */
  private static List<ErrorDetail> cycles(
      List<Component> components, boolean[] firstOfName, int[][] edges, String root) {
    for (int i = 0; i < components.size(); i++) {
      // a nameless component (reported above) or the second of two with one name takes no part
      if (!firstOfName[i]) {
        edges[i] = NONE;
      }
    }
    List<ErrorDetail> errors = new ArrayList<>();
    for (int[] scc : tarjan(edges, false)) {
      int first = Arrays.stream(scc).min().orElseThrow();
      String names =
          Arrays.stream(scc)
              .sorted()
              .mapToObj(i -> components.get(i).name())
              .collect(Collectors.joining(", "));
      errors.add(
          new ErrorDetail(
              Codes.DEPENDENCY_CYCLE,
              root + "spec.components[" + first + "].requires",
              "components " + names + " require each other in a cycle"));
    }
    return errors;
  }

  private static boolean selfLoop(int[][] edges, int v) {
    for (int d : edges[v]) {
      if (d == v) {
        return true;
      }
    }
    return false;
  }

  /**
   * The strongly connected components of a graph given as edge lists, by Tarjan's algorithm without
   * recursion (a release may have thousands of components); also used by {@code RollbackOrdering}.
   */
  public static List<List<Integer>> stronglyConnected(int[][] edges) {
    List<List<Integer>> result = new ArrayList<>();
    for (int[] scc : tarjan(edges, true)) {
      List<Integer> members = new ArrayList<>(scc.length);
      for (int v : scc) {
        members.add(v);
      }
      result.add(members);
    }
    return result;
  }

  /**
   * The strongly connected components, in the order Tarjan's algorithm completes them, each with
   * its members in the order they leave the stack; the stacks are arrays of ints, so that a release
   * of many components boxes nothing.
   *
   * @param single whether to give a component in no cycle as a component of its own; one that
   *     requires itself always is
   */
  private static List<int[]> tarjan(int[][] edges, boolean single) {
    int n = edges.length;
    int[] idx = new int[n];
    int[] low = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(idx, -1);
    int[] stack = new int[n];
    int top = 0;
    int[] call = new int[n];
    int depth = 0;
    List<int[]> result = new ArrayList<>();
    int counter = 0;
    int[] edgePos = new int[n];
    for (int s = 0; s < n; s++) {
      if (idx[s] != -1) {
        continue;
      }
      call[depth++] = s;
      idx[s] = low[s] = counter++;
      stack[top++] = s;
      onStack[s] = true;
      while (depth > 0) {
        int v = call[depth - 1];
        if (edgePos[v] < edges[v].length) {
          int w = edges[v][edgePos[v]++];
          if (idx[w] == -1) {
            idx[w] = low[w] = counter++;
            stack[top++] = w;
            onStack[w] = true;
            call[depth++] = w;
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], idx[w]);
          }
        } else {
          depth--;
          if (depth > 0) {
            int parent = call[depth - 1];
            low[parent] = Math.min(low[parent], low[v]);
          }
          if (low[v] == idx[v]) {
            int from = top;
            do {
              from--;
              onStack[stack[from]] = false;
            } while (stack[from] != v);
            if (top - from == 1 && !single && !selfLoop(edges, v)) {
              top = from;
              continue;
            }
            int[] scc = new int[top - from];
            for (int k = 0; k < scc.length; k++) {
              scc[k] = stack[top - 1 - k];
            }
            top = from;
            result.add(scc);
          }
        }
      }
    }
    return result;
  }
}
