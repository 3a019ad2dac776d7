package dev.lockstep.manifest;

import java.util.Optional;

/**
 * Semantic versions and npm-style ranges. A version must be strict semver ({@code 2.4.0}, {@code
 * 2.4.0-rc.1}), read by semver4j; a range is what npm accepts, with npm's meaning ({@code ^1.9.0},
 * {@code >=15.0.0 <16.0.0}, {@code 1.x || 2.0.0 - 2.4}), read by {@link VersionRange}.
 */
public final class Semver {
  private Semver() {}

  /** The version, or empty when the text is not strict semver. */
  public static Optional<org.semver4j.Semver> version(String text) {
    if (text == null
        || text.isBlank()
        || text.startsWith("v")
        || !org.semver4j.Semver.isValid(text)) {
      return Optional.empty();
    }
    return Optional.ofNullable(org.semver4j.Semver.parse(text));
  }

  /**
   * The range, or empty when npm would refuse the text. A blank range is npm's {@code *}: any
   * release.
   */
  public static Optional<VersionRange> range(String text) {
    return VersionRange.parse(text);
  }

  /** True when the version satisfies the range; false when either is malformed. */
  public static boolean satisfies(String version, String range) {
    Optional<org.semver4j.Semver> v = version(version);
    Optional<VersionRange> r = range(range);
    return v.isPresent() && r.isPresent() && r.get().isSatisfiedBy(v.get());
  }
}
