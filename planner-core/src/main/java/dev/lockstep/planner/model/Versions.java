package dev.lockstep.planner.model;

import dev.lockstep.manifest.Semver;
import dev.lockstep.manifest.VersionRange;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed versions and ranges, remembered by their text: a release of thousands of components
 * repeats the same few, and parsing them is most of the cost of a plan. The results are immutable,
 * so planning stays a pure function.
 */
public final class Versions {
  private static final int LIMIT = 200_000;
  private static final Map<String, Optional<org.semver4j.Semver>> VERSIONS =
      new ConcurrentHashMap<>();
  private static final Map<String, Optional<VersionRange>> RANGES = new ConcurrentHashMap<>();

  private Versions() {}

  /** The version, or empty when the text is not strict semver. */
  public static Optional<org.semver4j.Semver> version(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Optional<org.semver4j.Semver> known = VERSIONS.get(text);
    if (known != null) {
      return known;
    }
    if (VERSIONS.size() > LIMIT) {
      VERSIONS.clear();
    }
    return VERSIONS.computeIfAbsent(text, Semver::version);
  }

  /** The range, or empty when the text is not an npm-style range. */
  public static Optional<VersionRange> range(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Optional<VersionRange> known = RANGES.get(text);
    if (known != null) {
      return known;
    }
    if (RANGES.size() > LIMIT) {
      RANGES.clear();
    }
    return RANGES.computeIfAbsent(text, Semver::range);
  }

  /** True when the version satisfies the range; false when either is malformed. */
  public static boolean satisfies(String version, String range) {
    Optional<org.semver4j.Semver> v = version(version);
    Optional<VersionRange> r = range(range);
    if (v.isEmpty() || r.isEmpty()) {
      return false;
    }
    try {
      return r.get().isSatisfiedBy(v.get());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The major version, or 0 when the text is not semver. */
  public static long major(String text) {
    return version(text).map(org.semver4j.Semver::getMajor).orElse(0);
  }
}
