package dev.lockstep.planner.ordering;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.VersionRange;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.NameIndex;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.model.Versions;
import dev.lockstep.planner.validation.ReleaseChecks;
import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.semver4j.Semver;

/**
 * Orders the changes of an upgrade into waves (DESIGN section 5): bottom-up by layer; within a
 * layer a component changes only after the components it requires (strictly earlier waves);
 * components that do not depend on each other share a wave. After every wave the state (some
 * components old, some new) must satisfy every {@code requires} range that held before the upgrade.
 * When the naive wave would break one, the change that breaks it waits until the component it
 * breaks moves too (or, for a component the release drops, that component is removed early); when
 * no wait helps, the result names the components in conflict.
 *
 * <p>Components that run but are absent from the release are removed once nothing running requires
 * them any more: early, when an upgrade would otherwise break them, else after every upgrade wave
 * (components that only require each other go together).
 */
public final class WaveOrdering {
  /** What happens to a component. */
  public enum Kind {
    /** New in the release. */
    INSTALL,
    /** Moves to another version. */
    UPGRADE,
    /** Runs, but the release drops it. */
    REMOVE,
    /** Runs at the release's version already. */
    NONE
  }

  /**
   * One component's change.
   *
   * @param component the component's name
   * @param kind what happens to it
   * @param target the component in the release; null for a removal
   * @param running the component as it runs; null for an install
   * @param runningVersion the running version as read, null when none or not semver
   * @param targetVersion the release's version as read, null for a removal
   */
  public record Change(
      String component,
      Kind kind,
      @Nullable Component target,
      @Nullable RunningComponent running,
      @Nullable Semver runningVersion,
      @Nullable Semver targetVersion) {}

  /** One wave: the layer it belongs to and the changes it makes at once. */
  public record OrderedWave(String layer, List<Change> changes) {
    public OrderedWave {
      changes = List.copyOf(changes);
    }
  }

  /** The waves, or the conflicts that leave no compatible order. */
  public record Ordering(List<OrderedWave> waves, List<ErrorDetail> errors) {
    public Ordering {
      waves = List.copyOf(waves);
      errors = List.copyOf(errors);
    }
  }

  private static final int[] NONE = new int[0];
  private static final VersionRange[] NO_RANGES = new VersionRange[0];

  private final List<String> layers;
  private final String base;
  private final int n;
  private final String[] names;
  private final RunningComponent[] cur;
  private final Component[] tgt;
  private final int[] relIdx;
  private final Semver[] curV;
  private final Semver[] tgtV;
  private final int[][] curDeps;
  private final VersionRange[][] curRanges;
  private final int[][] tgtDeps;
  private final VersionRange[][] tgtRanges;
  private final int[][] dependents;
  private final Kind[] kind;
  private final int[] layer;
  private final boolean[] isNew;
  private final boolean[] done;
  private final Set<Long> initiallyBroken = new HashSet<>();
  private final List<ErrorDetail> errors = new ArrayList<>();

  private WaveOrdering(
      List<String> layers,
      Collection<RunningComponent> current,
      List<Component> release,
      String base,
      ReleaseChecks.Resolved resolved) {
    if (resolved == null || !resolved.clean() || resolved.requires().length != release.size()) {
      throw new IllegalArgumentException("the release must have passed ReleaseChecks");
    }
    this.layers = List.copyOf(layers);
    this.base = base == null || base.isEmpty() ? "" : base + ".";
    // The release's components are numbered as the checks numbered them (their index in the
    // release: the checks found no duplicate); the running components the release lacks follow,
    // in the order they run, each name looked up once.
    NameIndex inRelease = resolved.names();
    int rel = release.size();
    NameIndex dropped = new NameIndex(4);
    int[] runningId = new int[current.size()];
    int r = 0;
    for (RunningComponent running : current) {
      int id = inRelease.get(running.name());
      runningId[r++] = id >= 0 ? id : rel + dropped.add(running.name());
    }
    n = rel + dropped.size();
    names = new String[n];
    cur = new RunningComponent[n];
    tgt = new Component[n];
    relIdx = new int[n];
    java.util.Arrays.fill(relIdx, -1);
    for (int i = 0; i < rel; i++) {
      tgt[i] = release.get(i);
      names[i] = tgt[i].name();
      relIdx[i] = i;
    }
    for (int i = rel; i < n; i++) {
      names[i] = dropped.name(i - rel);
    }
    r = 0;
    for (RunningComponent running : current) {
      cur[runningId[r++]] = running;
    }
    curV = new Semver[n];
    tgtV = new Semver[n];
    curDeps = new int[n][];
    curRanges = new VersionRange[n][];
    tgtDeps = new int[n][];
    tgtRanges = new VersionRange[n][];
    kind = new Kind[n];
    layer = new int[n];
    isNew = new boolean[n];
    done = new boolean[n];
    for (int i = 0; i < n; i++) {
      curV[i] = cur[i] == null ? null : Versions.version(cur[i].version()).orElse(null);
      if (i < rel) {
        // the checks read the release's versions, requirements and ranges already
        tgtV[i] = resolved.versions()[i];
        tgtDeps[i] = resolved.requires()[i];
        tgtRanges[i] = resolved.ranges()[i];
      } else {
        tgtDeps[i] = NONE;
        tgtRanges[i] = NO_RANGES;
      }
      Map<String, String> cr = cur[i] == null ? Map.of() : cur[i].requires();
      curDeps[i] = cr.isEmpty() ? NONE : new int[cr.size()];
      curRanges[i] = cr.isEmpty() ? NO_RANGES : new VersionRange[cr.size()];
      fill(cr, inRelease, dropped, rel, curDeps[i], curRanges[i]);
      if (tgt[i] == null) {
        kind[i] = Kind.REMOVE;
      } else if (cur[i] == null) {
        kind[i] = Kind.INSTALL;
      } else if (curV[i] != null && tgtV[i] != null && curV[i].isEqualTo(tgtV[i])) {
        kind[i] = Kind.NONE;
        isNew[i] = true;
        done[i] = true;
      } else {
        kind[i] = Kind.UPGRADE;
      }
      String layerName = tgt[i] != null ? tgt[i].layer() : cur[i].layer();
      int li = layerName == null ? -1 : this.layers.indexOf(layerName);
      layer[i] = li < 0 ? this.layers.size() - 1 : li;
    }
    dependents = dependents(curDeps, tgtDeps);
    for (int x = 0; x < n; x++) {
      int[] deps = reqDeps(x);
      for (int y : deps) {
        // -1: a running component requires one that neither runs nor is released, which no order
        // of the release's changes can mend or break
        if (y >= 0 && violated(x, y)) {
          initiallyBroken.add(key(x, y));
        }
      }
    }
  }

  /** A running component's requirements: whom (-1 for no component) and the range (or null). */
  private static void fill(
      Map<String, String> requires,
      NameIndex inRelease,
      NameIndex dropped,
      int rel,
      int[] deps,
      VersionRange[] ranges) {
    int k = 0;
    for (Map.Entry<String, String> e : requires.entrySet()) {
      int d = inRelease.get(e.getKey());
      if (d < 0) {
        d = dropped.get(e.getKey());
        d = d < 0 ? -1 : rel + d;
      }
      deps[k] = d;
      ranges[k] = Versions.range(e.getValue()).orElse(null);
      k++;
    }
  }

  /**
   * Per component, the components that require it before or after the upgrade, each once, in
   * ascending order: two passes over the requirements (count, then fill) rather than a list of
   * boxed ids per component.
   */
  private static int[][] dependents(int[][] curDeps, int[][] tgtDeps) {
    int n = curDeps.length;
    int[] count = new int[n];
    int[] last = new int[n];
    java.util.Arrays.fill(last, -1);
    for (int i = 0; i < n; i++) {
      countDependents(i, curDeps[i], count, last);
      countDependents(i, tgtDeps[i], count, last);
    }
    int[][] dependents = new int[n][];
    for (int d = 0; d < n; d++) {
      dependents[d] = count[d] == 0 ? NONE : new int[count[d]];
      count[d] = 0;
    }
    java.util.Arrays.fill(last, -1);
    for (int i = 0; i < n; i++) {
      addDependents(i, curDeps[i], dependents, count, last);
      addDependents(i, tgtDeps[i], dependents, count, last);
    }
    return dependents;
  }

  private static void countDependents(int self, int[] deps, int[] count, int[] last) {
    for (int d : deps) {
      if (d >= 0 && last[d] != self) {
        last[d] = self;
        count[d]++;
      }
    }
  }

  private static void addDependents(
      int self, int[] deps, int[][] dependents, int[] count, int[] last) {
    for (int d : deps) {
      if (d >= 0 && last[d] != self) {
        last[d] = self;
        dependents[d][count[d]++] = self;
      }
    }
  }

  /**
   * Orders an upgrade.
   *
   * @param layers the release's layers, bottom to top
   * @param current what runs now
   * @param release the release's components, in which {@code ReleaseChecks} found no problem
   * @param base the path of the release in the request, for error paths
   * @param resolved the release's components as {@code ReleaseChecks} read them
   */
  public static Ordering order(
      List<String> layers,
      Collection<RunningComponent> current,
      List<Component> release,
      String base,
      ReleaseChecks.Resolved resolved) {
    return new WaveOrdering(layers, current, release, base, resolved).run();
  }

  private Ordering run() {
    List<OrderedWave> waves = new ArrayList<>();
    int[] pendingSame = new int[n];
    // the changes of the same layer that wait for each change: those of component d are
    // waitingFor[waitingStart[d]] up to waitingStart[d + 1], in ascending order
    int[] waitingStart = new int[n + 1];
    List<IntList> byLayer = new ArrayList<>();
    for (int l = 0; l < layers.size(); l++) {
      byLayer.add(new IntList());
    }
    for (int i = 0; i < n; i++) {
      if (!changes(i)) {
        continue;
      }
      byLayer.get(layer[i]).add(i);
      for (int d : tgtDeps[i]) {
        if (waitsFor(i, d)) {
          pendingSame[i]++;
          waitingStart[d + 1]++;
        }
      }
    }
    for (int d = 0; d < n; d++) {
      waitingStart[d + 1] += waitingStart[d];
    }
    int[] waitingFor = new int[waitingStart[n]];
    int[] filled = java.util.Arrays.copyOf(waitingStart, n);
    for (int i = 0; i < n; i++) {
      if (changes(i)) {
        for (int d : tgtDeps[i]) {
          if (waitsFor(i, d)) {
            waitingFor[filled[d]++] = i;
          }
        }
      }
    }
    int[] blockedBy = new int[n];
    boolean[] inWave = new boolean[n];
    for (int l = 0; l < layers.size(); l++) {
      IntList inLayer = byLayer.get(l);
      int remaining = inLayer.size();
      IntList ready = new IntList();
      for (int q = 0; q < inLayer.size(); q++) {
        int i = inLayer.get(q);
        if (pendingSame[i] == 0) {
          ready.add(i);
        }
      }
      while (remaining > 0) {
        // blockedBy is read for the ready components only; inWave is clear after every wave
        for (int q = 0; q < ready.size(); q++) {
          blockedBy[ready.get(q)] = -1;
        }
        IntList wave = ready.copy();
        for (int q = 0; q < wave.size(); q++) {
          int s = wave.get(q);
          inWave[s] = true;
          isNew[s] = true;
        }
        boolean fatal = settle(wave, inWave, l, blockedBy);
        if (fatal) {
          return new Ordering(List.of(), errors.stream().distinct().toList());
        }
        boolean anyChange = false;
        for (int q = 0; q < wave.size() && !anyChange; q++) {
          anyChange = changes(wave.get(q));
        }
        if (!anyChange) {
          for (int q = 0; q < ready.size(); q++) {
            int s = ready.get(q);
            int x = blockedBy[s];
            if (x >= 0) {
              errors.add(
                  conflict(
                      x,
                      s,
                      "and "
                          + names[x]
                          + " cannot change first (it needs "
                          + names[s]
                          + "'s new version)"));
            }
          }
          if (errors.isEmpty()) {
            for (int q = 0; q < inLayer.size(); q++) {
              int i = inLayer.get(q);
              if (!done[i]) {
                errors.add(
                    new ErrorDetail(
                        Codes.INCOMPATIBLE_INTERMEDIATE_STATE,
                        pathOf(i),
                        "no order of layer "
                            + layers.get(l)
                            + " keeps "
                            + names[i]
                            + " compatible"));
              }
            }
          }
          return new Ordering(List.of(), errors.stream().distinct().toList());
        }
        for (int q = 0; q < wave.size(); q++) {
          int s = wave.get(q);
          done[s] = true;
          inWave[s] = false;
          if (changes(s)) {
            remaining--;
            for (int k = waitingStart[s]; k < waitingStart[s + 1]; k++) {
              int x = waitingFor[k];
              if (--pendingSame[x] == 0) {
                ready.add(x);
              }
            }
          }
        }
        ready.removeDone(done);
        waves.add(wave(layers.get(l), wave));
      }
    }
    while (true) {
      IntList wave = new IntList();
      boolean[] leaving = new boolean[n];
      for (int i = 0; i < n; i++) {
        if (kind[i] == Kind.REMOVE && !done[i]) {
          wave.add(i);
          leaving[i] = true;
        }
      }
      boolean changed = true;
      while (changed) {
        changed = false;
        for (int k = wave.size() - 1; k >= 0; k--) {
          int r = wave.get(k);
          if (requiredByOther(r, leaving) >= 0) {
            wave.removeAt(k);
            leaving[r] = false;
            changed = true;
          }
        }
      }
      if (wave.isEmpty()) {
        break;
      }
      int top = 0;
      for (int q = 0; q < wave.size(); q++) {
        int r = wave.get(q);
        isNew[r] = true;
        done[r] = true;
        top = Math.max(top, layer[r]);
      }
      waves.add(wave(layers.get(top), wave));
    }
    boolean[] noWave = new boolean[n];
    for (int r = 0; r < n; r++) {
      if (kind[r] == Kind.REMOVE && !done[r]) {
        int x = requiredByOther(r, noWave);
        errors.add(
            new ErrorDetail(
                Codes.INCOMPATIBLE_INTERMEDIATE_STATE,
                x >= 0 ? pathOf(x) : base + "spec.components",
                "the release drops "
                    + names[r]
                    + ", but "
                    + (x >= 0 ? names[x] : "another component")
                    + " still requires it"));
      }
    }
    return errors.isEmpty()
        ? new Ordering(waves, List.of())
        : new Ordering(List.of(), errors.stream().distinct().toList());
  }

  /**
   * Shrinks (or, with early removals, grows) a tentative wave until the state after it breaks
   * nothing; true when a conflict no wait can solve was found.
   */
  private boolean settle(IntList wave, boolean[] inWave, int l, int[] blockedBy) {
    boolean fatal = false;
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int k = 0; k < wave.size(); k++) {
        int s = wave.get(k);
        if (kind[s] != Kind.REMOVE) {
          for (int y : tgtDeps[s]) {
            if (y >= 0 && violated(s, y)) {
              String why =
                  changes(y) && layer[y] > layer[s]
                      ? names[s]
                          + " "
                          + tgt[s].version()
                          + " needs the new "
                          + names[y]
                          + ", which a higher layer delivers later"
                      : names[s]
                          + " "
                          + tgt[s].version()
                          + " cannot run with "
                          + names[y]
                          + " "
                          + versionText(y);
              errors.add(edgeError(s, y, why));
              fatal = true;
            }
          }
        }
        for (int x : dependents[s]) {
          if (x == s || inWave[x] || !violated(x, s) || initiallyBroken.contains(key(x, s))) {
            continue;
          }
          if (kind[x] == Kind.REMOVE && !done[x] && requiredByOther(x, inWave) < 0) {
            wave.add(x);
            inWave[x] = true;
            isNew[x] = true;
            changed = true;
          } else if (changes(x) && !done[x] && layer[x] == l) {
            blockedBy[s] = x;
            wave.removeAt(k);
            inWave[s] = false;
            isNew[s] = false;
            changed = true;
            break;
          } else {
            String why;
            if (kind[x] == Kind.REMOVE) {
              why =
                  names[x] + " is dropped by the release but still required, so it cannot go first";
            } else if (changes(x) && layer[x] > l) {
              why = names[x] + " is in a higher layer, so it cannot change first";
            } else {
              why = names[x] + " does not change";
            }
            errors.add(conflict(x, s, why));
            fatal = true;
          }
        }
        if (changed) {
          break;
        }
      }
    }
    return fatal;
  }

  private ErrorDetail conflict(int x, int y, String why) {
    String range = rangeOf(x, y);
    boolean yNew = isNew[y];
    isNew[y] = true;
    String yVersion = versionText(y);
    isNew[y] = yNew;
    return new ErrorDetail(
        Codes.INCOMPATIBLE_INTERMEDIATE_STATE,
        pathOf(y),
        "changing "
            + names[y]
            + " to "
            + yVersion
            + " breaks "
            + names[x]
            + " "
            + versionText(x)
            + ", which requires "
            + names[y]
            + " '"
            + range
            + "'; "
            + why);
  }

  private ErrorDetail edgeError(int x, int y, String why) {
    String path =
        relIdx[x] >= 0
            ? base + "spec.components[" + relIdx[x] + "].requires." + names[y]
            : pathOf(y);
    return new ErrorDetail(
        Codes.INCOMPATIBLE_INTERMEDIATE_STATE,
        path,
        names[x] + " requires " + names[y] + " '" + rangeOf(x, y) + "': " + why);
  }

  private String rangeOf(int x, int y) {
    Map<String, String> req =
        isNew[x] && tgt[x] != null
            ? tgt[x].requires()
            : cur[x] == null ? Map.of() : cur[x].requires();
    return req.getOrDefault(names[y], "");
  }

  private String versionText(int i) {
    if (isNew[i]) {
      return tgt[i] == null ? "(removed)" : tgt[i].version();
    }
    return cur[i] == null ? "(not installed)" : cur[i].version();
  }

  private String pathOf(int i) {
    return relIdx[i] >= 0 ? base + "spec.components[" + relIdx[i] + "]" : "current." + names[i];
  }

  /** A running component other than those in the wave that requires {@code r}, or -1. */
  private int requiredByOther(int r, boolean[] inWave) {
    for (int z : dependents[r]) {
      if (z == r || inWave[z] || !present(z)) {
        continue;
      }
      for (int d : reqDeps(z)) {
        if (d == r) {
          return z;
        }
      }
    }
    return -1;
  }

  private OrderedWave wave(String layerName, IntList ids) {
    int[] sorted = ids.toSortedArray();
    Change[] changes = new Change[sorted.length];
    for (int k = 0; k < sorted.length; k++) {
      int i = sorted[k];
      changes[k] = new Change(names[i], kind[i], tgt[i], cur[i], curV[i], tgtV[i]);
    }
    return new OrderedWave(layerName, List.of(changes));
  }

  /** A growable list of component numbers, which boxes none. */
  private static final class IntList {
    private int[] items = new int[8];
    private int size;

    int size() {
      return size;
    }

    boolean isEmpty() {
      return size == 0;
    }

    int get(int k) {
      return items[k];
    }

    void add(int item) {
      if (size == items.length) {
        items = java.util.Arrays.copyOf(items, size * 2);
      }
      items[size++] = item;
    }

    void removeAt(int k) {
      System.arraycopy(items, k + 1, items, k, size - k - 1);
      size--;
    }

    /** Keeps the components that are not done, in their order. */
    void removeDone(boolean[] done) {
      int kept = 0;
      for (int k = 0; k < size; k++) {
        if (!done[items[k]]) {
          items[kept++] = items[k];
        }
      }
      size = kept;
    }

    IntList copy() {
      IntList copy = new IntList();
      copy.items = java.util.Arrays.copyOf(items, Math.max(8, size));
      copy.size = size;
      return copy;
    }

    int[] toSortedArray() {
      int[] sorted = java.util.Arrays.copyOf(items, size);
      java.util.Arrays.sort(sorted);
      return sorted;
    }
  }

  /** True when change {@code i} waits for change {@code d}, which it requires, in its layer. */
  private boolean waitsFor(int i, int d) {
    return d >= 0 && d != i && changes(d) && layer[d] == layer[i];
  }

  private boolean changes(int i) {
    return kind[i] == Kind.INSTALL || kind[i] == Kind.UPGRADE;
  }

  private boolean present(int i) {
    return isNew[i] ? tgt[i] != null : cur[i] != null;
  }

  private int[] reqDeps(int i) {
    if (!present(i)) {
      return new int[0];
    }
    return isNew[i] ? tgtDeps[i] : curDeps[i];
  }

  private boolean violated(int x, int y) {
    if (!present(x)) {
      return false;
    }
    int[] deps = isNew[x] ? tgtDeps[x] : curDeps[x];
    VersionRange[] ranges = isNew[x] ? tgtRanges[x] : curRanges[x];
    for (int k = 0; k < deps.length; k++) {
      if (deps[k] == y) {
        if (!present(y) || ranges[k] == null) {
          return true;
        }
        Semver v = isNew[y] ? tgtV[y] : curV[y];
        try {
          return v == null || !ranges[k].isSatisfiedBy(v);
        } catch (RuntimeException e) {
          return true;
        }
      }
    }
    return false;
  }

  private long key(int x, int y) {
    return (long) x * n + y;
  }
}
