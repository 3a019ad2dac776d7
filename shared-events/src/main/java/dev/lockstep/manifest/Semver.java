package dev.lockstep.manifest;

import java.util.Optional;
import org.semver4j.RangesList;
import org.semver4j.RangesListFactory;

/**
 * Semantic versions and npm-style ranges, through semver4j. A version must be strict semver ({@code
 * 2.4.0}, {@code 2.4.0-rc.1}); a range is what npm accepts ({@code ^1.9.0}, {@code >=15.0.0
 * <16.0.0}).
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

  /** The range, or empty when the text is not an npm-style range. */
  public static Optional<RangesList> range(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      RangesList ranges = RangesListFactory.create(text);
      boolean empty = ranges.get().isEmpty() || ranges.get().stream().anyMatch(r -> r.isEmpty());
      return empty ? Optional.empty() : Optional.of(ranges);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** True when the version satisfies the range; false when either is malformed. */
  public static boolean satisfies(String version, String range) {
    Optional<org.semver4j.Semver> v = version(version);
    Optional<RangesList> r = range(range);
    return v.isPresent() && r.isPresent() && r.get().isSatisfiedBy(v.get());
  }
}
