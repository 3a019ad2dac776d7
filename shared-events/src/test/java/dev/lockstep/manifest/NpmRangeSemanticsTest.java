package dev.lockstep.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Ranges mean what npm says they mean: the table in {@code semver/npm-ranges.json} is generated
 * from npm's own {@code semver} package by {@code src/test/npm/semver-oracle.js}.
 */
class NpmRangeSemanticsTest {
  @Test
  void everyRangeOfNpmsTableIsAcceptedAndSatisfiedAsNpmDoes() throws IOException {
    JsonNode table = oracle();
    List<String> versions = new ArrayList<>();
    table.get("versions").forEach(v -> versions.add(v.asText()));
    List<String> mismatches = new ArrayList<>();
    int checked = 0;
    for (JsonNode row : table.get("ranges")) {
      String text = row.get("range").asText();
      boolean valid = row.get("valid").asBoolean();
      Optional<VersionRange> range = VersionRange.parse(text);
      if (range.isPresent() != valid) {
        mismatches.add(quote(text) + ": npm says " + (valid ? "valid" : "invalid"));
        continue;
      }
      if (!valid) {
        continue;
      }
      Set<String> satisfiedBy = new HashSet<>();
      row.get("satisfiedBy").forEach(v -> satisfiedBy.add(v.asText()));
      for (String version : versions) {
        boolean expected = satisfiedBy.contains(version);
        org.semver4j.Semver parsed = Semver.version(version).orElseThrow();
        if (range.get().isSatisfiedBy(parsed) != expected
            || range.get().isSatisfiedBy(version) != expected) {
          mismatches.add(
              quote(text) + " with " + version + ": npm says " + (expected ? "yes" : "no"));
        }
        checked++;
      }
    }

    assertThat(table.get("ranges").size()).isGreaterThan(500);
    assertThat(checked).isGreaterThan(50_000);
    assertThat(mismatches)
        .withFailMessage(
            "%d disagreements with npm:%n%s", mismatches.size(), String.join("\n", mismatches))
        .isEmpty();
  }

  @Test
  void wildcardsMeanAnyRelease() {
    assertSatisfied("x", "0.0.1", "9.9.9");
    assertSatisfied("*", "0.0.0", "2147483647.0.0");
    assertSatisfied("", "1.0.0");
    assertSatisfied(">=*", "1.0.0");
    assertSatisfied("||", "1.0.0");
    assertSatisfied("^x", "3.0.0");
    assertNotSatisfied("x", "1.0.0-rc.1");
  }

  @Test
  void partialVersionsCoverEverythingTheyLeaveOpen() {
    assertSatisfied("1.x", "1.0.0", "1.99.99");
    assertNotSatisfied("1.x", "2.0.0", "0.9.9");
    assertSatisfied("1.2", "1.2.0", "1.2.9");
    assertNotSatisfied("1.2", "1.3.0");
    assertSatisfied("<=1.2", "1.2.9");
    assertNotSatisfied(">1.2", "1.2.9");
  }

  @Test
  void hyphenRangesTakeWildcardsAndPartials() {
    assertSatisfied("1.0.0 - x", "1.0.0", "99.0.0");
    assertNotSatisfied("1.0.0 - x", "0.9.9");
    assertSatisfied("1.x - x", "1.0.0", "16.0.0");
    assertSatisfied("1.2 - 1.4", "1.2.0", "1.4.9");
    assertNotSatisfied("1.2 - 1.4", "1.5.0");
    assertSatisfied("1.x || >=2.5.0 || 5.0.0 - 7.2.3", "1.9.9", "2.5.0", "7.2.3", "99.0.0");
    assertNotSatisfied("1.x || >=2.5.0 || 5.0.0 - 7.2.3", "2.4.9");
  }

  @Test
  void caretAndTildeOnZerosPartialsAndPrereleases() {
    assertSatisfied("^0.0.1", "0.0.1");
    assertNotSatisfied("^0.0.1", "0.0.2");
    assertSatisfied("^0.1.2", "0.1.9");
    assertNotSatisfied("^0.1.2", "0.2.0");
    assertSatisfied("~1", "1.9.9");
    assertNotSatisfied("~1", "2.0.0");
    assertSatisfied("~1.2", "1.2.9");
    assertNotSatisfied("~1.2", "1.3.0");
    assertSatisfied("^1.2.3-beta.2", "1.2.3-beta.3", "1.9.0");
    assertNotSatisfied("^1.2.3-beta.2", "1.2.3-beta.1", "1.2.4-alpha");
  }

  @Test
  void aPrereleaseSatisfiesOnlyASetThatNamesOneOnItsOwnVersion() {
    assertNotSatisfied(">=1.0.0", "1.2.3-beta.1");
    assertSatisfied(">=1.2.3-alpha", "1.2.3-beta.1");
    assertSatisfied(">1.2.3-alpha <1.2.4", "1.2.3-beta.1", "1.2.3");
    assertNotSatisfied(">1.2.3-alpha <1.2.4", "1.2.4-0");
    // Numeric identifiers sort numerically and before alphanumeric ones; others by ASCII.
    assertSatisfied(">1.2.3-beta.2", "1.2.3-beta.10");
    assertNotSatisfied(">1.2.3-beta2", "1.2.3-beta10");
  }

  @Test
  void aRangeThatMatchesEverythingSwallowsTheOtherSetsPrereleasesIncluded() {
    // npm reduces `* || …` to `*`, so the prerelease named in the other set no longer matches.
    assertNotSatisfied("* || 1.2.3-beta.2", "1.2.3-beta.2");
    assertSatisfied("<0.0.0-0 || 1.2.3-beta.2", "1.2.3-beta.2");
  }

  @Test
  void spacesPrefixesAndOperatorsAsNpmAllowsThem() {
    assertSatisfied("^1.2 ^1", "1.2.0", "1.9.0");
    assertNotSatisfied("^1.2 ^1", "1.1.9");
    assertSatisfied("=1.2.3", "1.2.3");
    assertSatisfied("v1.2.3", "1.2.3", "1.2.3+build.1");
    assertNotSatisfied("v1.2.3", "1.2.4");
    assertSatisfied("< 2", "1.9.9");
    assertSatisfied(">= 1.2.3 < 2", "1.2.3");
    assertSatisfied("~>1", "1.5.0");
    assertSatisfied("~> 1.2", "1.2.9");
  }

  @Test
  void whatNpmRefusesIsNoRange() {
    for (String text : List.of(">>1", "1.2.3.4", "^", "~", ">", "a.b.c", "=1.2.3 - 2", "1.2.3+")) {
      assertThat(VersionRange.parse(text)).as(quote(text)).isEmpty();
    }
    assertThat(VersionRange.parse(null)).isEmpty();
  }

  @Test
  void aRangeReadsAsItsText() {
    assertThat(VersionRange.parse(">= 1.2.3 < 2").orElseThrow()).hasToString(">= 1.2.3 < 2");
    assertThat(Semver.range("")).isPresent();
    assertThat(Semver.satisfies("2.4.0", "")).isTrue();
    assertThat(Semver.satisfies("v2.4.0", "*")).isFalse();
  }

  private static void assertSatisfied(String range, String... versions) {
    VersionRange parsed = VersionRange.parse(range).orElseThrow();
    for (String version : versions) {
      assertThat(parsed.isSatisfiedBy(version)).as(quote(range) + " with " + version).isTrue();
    }
  }

  private static void assertNotSatisfied(String range, String... versions) {
    VersionRange parsed = VersionRange.parse(range).orElseThrow();
    for (String version : versions) {
      assertThat(parsed.isSatisfiedBy(version)).as(quote(range) + " with " + version).isFalse();
    }
  }

  private static String quote(String text) {
    return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'";
  }

  private static JsonNode oracle() throws IOException {
    try (InputStream in =
        NpmRangeSemanticsTest.class.getResourceAsStream("/semver/npm-ranges.json")) {
      assertThat(in).as("semver/npm-ranges.json on the test classpath").isNotNull();
      return new ObjectMapper().readTree(in);
    }
  }
}
