package dev.lockstep.manifest;

import static java.util.stream.Collectors.joining;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An npm semver range ({@code ^1.9.0}, {@code >=15.0.0 <16.0.0}, {@code 1.x || 2.0.0 - 2.4}),
 * parsed once and immutable, with exactly the meaning npm gives it: node-semver's {@code Range}
 * with default options (not loose, prereleases only where a comparator of the same set names one on
 * the same major.minor.patch).
 *
 * <p>This is a faithful port of node-semver's {@code range.js} and {@code re.js} because no library
 * on Maven Central here implements npm's semantics exactly (semver4j, used before, fails npm's own
 * table in {@code src/test/resources/semver/npm-ranges.json}). The steps and patterns keep
 * node-semver's names so that the two can be read side by side. Comparators keep their own numbers
 * and precedence: semver4j's versions stop at {@code int} (npm's at 2<sup>53</sup>-1), and its
 * prerelease order is not semver 2.0's (it puts {@code beta2} before {@code beta10}, and {@code 2}
 * after {@code 10a}).
 */
public final class VersionRange {
  private static final long MAX_SAFE_INTEGER = 9_007_199_254_740_991L;
  private static final int MAX_LENGTH = 256;

  // re.js, token by token; safe() bounds the repetitions as node-semver's safeRe does.
  private static final String NUM = "0|[1-9]\\d*";
  private static final String NON_NUM = "\\d*[a-zA-Z-][a-zA-Z0-9-]*";
  private static final String PRE_ID = "(?:%s|%s)".formatted(NON_NUM, NUM);
  private static final String PRE_ID_LOOSE = "(?:%s|\\d+)".formatted(NON_NUM);
  private static final String PRERELEASE = "(?:-(%1$s(?:\\.%1$s)*))".formatted(PRE_ID);
  private static final String PRERELEASE_LOOSE = "(?:-?(%1$s(?:\\.%1$s)*))".formatted(PRE_ID_LOOSE);
  private static final String BUILD = "(?:\\+([a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*))";
  private static final String FULL_PLAIN =
      "v?(%1$s)\\.(%1$s)\\.(%1$s)%2$s?%3$s?".formatted(NUM, PRERELEASE, BUILD);
  private static final String LOOSE_PLAIN =
      "[v=\\s]*(\\d+)\\.(\\d+)\\.(\\d+)%s?%s?".formatted(PRERELEASE_LOOSE, BUILD);
  private static final String GTLT = "((?:<|>)?=?)";
  private static final String X_PLAIN =
      "[v=\\s]*(%1$s)(?:\\.(%1$s)(?:\\.(%1$s)(?:%2$s)?%3$s?)?)?"
          .formatted(NUM + "|x|X|\\*", PRERELEASE, BUILD);

  // JavaScript's whitespace: Java's \s plus the Unicode spaces.
  private static final Pattern JS_SPACES =
      Pattern.compile(
          "[\\s\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]+");
  private static final Pattern TRIM = Pattern.compile("^ +| +$");
  private static final Pattern OR = Pattern.compile("||", Pattern.LITERAL);
  private static final Pattern SPACE = Pattern.compile(" ");
  private static final Pattern SPACES = Pattern.compile(" +");
  private static final Pattern BUILD_STRIP = Pattern.compile(BUILD);
  private static final Pattern BUILD_SAFE = safe(BUILD);
  private static final Pattern HYPHEN_RANGE =
      safe("\\s*(" + X_PLAIN + ")\\s+-\\s+(" + X_PLAIN + ")\\s*");
  private static final Pattern COMPARATOR_TRIM =
      safe("(\\s*)" + GTLT + "\\s*(" + LOOSE_PLAIN + "|" + X_PLAIN + ")");
  private static final Pattern TILDE_TRIM = safe("(\\s*)(?:~>?)\\s+");
  private static final Pattern CARET_TRIM = safe("(\\s*)(?:\\^)\\s+");
  private static final Pattern TILDE = safe("(?:~>?)" + X_PLAIN);
  private static final Pattern CARET = safe("(?:\\^)" + X_PLAIN);
  private static final Pattern X_RANGE = safe(GTLT + "\\s*" + X_PLAIN);
  private static final Pattern STAR = safe("(<|>)?=?\\s*\\*");
  private static final Pattern GTE0 = safe("\\s*>=\\s*0\\.0\\.0\\s*");
  private static final Pattern COMPARATOR = safe(GTLT + "\\s*(" + FULL_PLAIN + ")");

  private final String text;
  private final Comparator[][] sets;

  private VersionRange(String text, Comparator[][] sets) {
    this.text = text;
    this.sets = sets;
  }

  /** The range, or empty where npm's {@code new Range(text)} throws (and for null). */
  public static Optional<VersionRange> parse(String text) {
    try {
      return Optional.ofNullable(text).map(t -> new VersionRange(t, parseSets(t)));
    } catch (InvalidRange e) {
      return Optional.empty();
    }
  }

  /** True when the version satisfies the range: all comparators of at least one set. */
  public boolean isSatisfiedBy(org.semver4j.Semver version) {
    for (Comparator[] set : sets) {
      if (version != null && testSet(set, version)) {
        return true;
      }
    }
    return false;
  }

  /** True when the text is a strict semver version that satisfies the range. */
  public boolean isSatisfiedBy(String version) {
    return Semver.version(version).map(this::isSatisfiedBy).orElse(false);
  }

  /** The text the range was parsed from. */
  @Override
  public String toString() {
    return text;
  }

  /**
   * Range's constructor and parseRange: split on {@code ||}, then expand each set's sugar (hyphen,
   * ~, ^, x, *) into comparators. node-semver also drops duplicate comparators and sets that match
   * nothing ({@code <0.0.0-0}); neither changes an answer, so that is left out here.
   */
  private static Comparator[][] parseSets(String text) {
    String raw = trim(JS_SPACES.matcher(text).replaceAll(" "));
    List<Comparator[]> sets = new ArrayList<>();
    for (String part : OR.split(raw, -1)) {
      sets.add(parseRange(trim(part)));
    }
    // npm's quirk: a set that is just "any" replaces all others, even one naming a prerelease.
    for (Comparator[] set : sets) {
      if (Arrays.stream(set).allMatch(c -> c == Comparator.ANY)) {
        return new Comparator[][] {{Comparator.ANY}};
      }
    }
    return sets.toArray(new Comparator[0][]);
  }

  private static Comparator[] parseRange(String range) {
    range = BUILD_STRIP.matcher(range).replaceAll("");
    Matcher hyphen = HYPHEN_RANGE.matcher(range);
    range = hyphen.matches() ? hyphenReplace(hyphen) : range;
    range = COMPARATOR_TRIM.matcher(range).replaceAll("$1$2$3");
    range = TILDE_TRIM.matcher(range).replaceAll("$1~");
    range = CARET_TRIM.matcher(range).replaceAll("$1^");
    String expanded = eachWord(range, SPACE, VersionRange::parseComparator);
    List<Comparator> set = new ArrayList<>();
    for (String comp : SPACES.split(expanded, -1)) {
      set.add(Comparator.parse(GTE0.matcher(trim(comp)).matches() ? "" : trim(comp)));
    }
    return set.toArray(new Comparator[0]);
  }

  private static String parseComparator(String comp) {
    comp = BUILD_SAFE.matcher(comp).replaceFirst("");
    comp = eachWord(trim(comp), SPACES, word -> replaceTildeOrCaret(word, CARET));
    comp = eachWord(trim(comp), SPACES, word -> replaceTildeOrCaret(word, TILDE));
    comp = eachWord(comp, SPACES, VersionRange::replaceXRange);
    return STAR.matcher(trim(comp)).replaceFirst("");
  }

  private static String eachWord(String text, Pattern separator, UnaryOperator<String> replace) {
    return Arrays.stream(separator.split(text, -1)).map(replace).collect(joining(" "));
  }

  /** {@code 1.2 - 3.4} is {@code >=1.2.0 <3.5.0-0}: a partial upper bound takes all it covers. */
  private static String hyphenReplace(Matcher m) {
    String low = ">=" + m.group(1);
    if (isX(m.group(2))) {
      low = "";
    } else if (isX(m.group(3)) || isX(m.group(4))) {
      low = ">=" + m.group(2) + "." + (isX(m.group(3)) ? "0" : m.group(3)) + ".0";
    }
    String high = "<=" + m.group(7);
    if (isX(m.group(8))) {
      high = "";
    } else if (isX(m.group(9))) {
      high = "<" + inc(m.group(8)) + ".0.0-0";
    } else if (isX(m.group(10))) {
      high = "<" + m.group(8) + "." + inc(m.group(9)) + ".0-0";
    } else if (m.group(11) != null) {
      high = "<=" + m.group(8) + "." + m.group(9) + "." + m.group(10) + "-" + m.group(11);
    }
    return trim(low + " " + high);
  }

  /**
   * {@code ~1.2.3} is {@code >=1.2.3 <1.3.0-0} and {@code ~1} is {@code >=1.0.0 <2.0.0-0}; a caret
   * keeps the leftmost non-zero part: {@code ^1.2} is {@code >=1.2.0 <2.0.0-0}, {@code ^0.0.1} is
   * {@code >=0.0.1 <0.0.2-0}.
   */
  private static String replaceTildeOrCaret(String comp, Pattern pattern) {
    Matcher m = pattern.matcher(comp);
    if (!m.matches()) {
      return comp;
    }
    String major = m.group(1);
    String minor = m.group(2);
    String patch = m.group(3);
    String pre = m.group(4);
    boolean caret = pattern == CARET;
    if (isX(major)) {
      return "";
    } else if (isX(minor)) {
      return covered(major, null);
    }
    String low = major + "." + minor + "." + (isX(patch) ? "0" : patch);
    low = pre == null || isX(patch) ? low : low + "-" + pre;
    if (caret && !major.equals("0")) {
      return ">=" + low + " <" + inc(major) + ".0.0-0";
    } else if (caret && minor.equals("0") && !isX(patch)) {
      return ">=" + low + " <0.0." + inc(patch) + "-0";
    }
    return ">=" + low + " <" + major + "." + inc(minor) + ".0-0";
  }

  /**
   * {@code 1.2.x} is {@code >=1.2.0 <1.3.0-0}, {@code >1} is {@code >=2.0.0}, {@code <=1.2} is
   * {@code <1.3.0-0}.
   */
  private static String replaceXRange(String word) {
    String comp = trim(word);
    Matcher m = X_RANGE.matcher(comp);
    if (!m.matches()) {
      return comp;
    }
    String gtlt = m.group(1);
    String major = m.group(2);
    String minor = m.group(3);
    String patch = m.group(4);
    boolean xM = isX(major);
    boolean xm = xM || isX(minor);
    boolean xp = xm || isX(patch);
    if ((xM && !isX(minor)) || (isX(minor) && patch != null && !isX(patch))) {
      return comp;
    } else if (xM) {
      return gtlt.equals(">") || gtlt.equals("<") ? "<0.0.0-0" : "*";
    } else if (xp && !gtlt.isEmpty() && !gtlt.equals("=")) {
      minor = xm ? "0" : minor;
      if (gtlt.equals(">") || gtlt.equals("<=")) {
        major = xm ? inc(major) : major;
        minor = xm ? minor : inc(minor);
        gtlt = gtlt.equals(">") ? ">=" : "<";
      }
      return gtlt + major + "." + minor + ".0" + (gtlt.equals("<") ? "-0" : "");
    }
    return xp ? covered(major, xm ? null : minor) : comp;
  }

  /**
   * What a partial version covers: {@code 1} is {@code >=1.0.0 <2.0.0-0}, {@code 1.2} is {@code
   * >=1.2.0 <1.3.0-0}.
   */
  private static String covered(String major, String minor) {
    return minor == null
        ? ">=" + major + ".0.0 <" + inc(major) + ".0.0-0"
        : ">=" + major + "." + minor + ".0 <" + major + "." + inc(minor) + ".0-0";
  }

  /** Range's testSet: every comparator holds, and a prerelease only where the set names one. */
  private static boolean testSet(Comparator[] set, org.semver4j.Semver version) {
    for (Comparator c : set) {
      if (!c.test(version)) {
        return false;
      }
    }
    if (version.getPreRelease().isEmpty()) {
      return true;
    }
    for (Comparator c : set) {
      if (c.pre.length > 0
          && c.major == version.getMajor()
          && c.minor == version.getMinor()
          && c.patch == version.getPatch()) {
        return true;
      }
    }
    return false;
  }

  private static boolean isX(String id) {
    return id == null || id.isEmpty() || id.equals("x") || id.equals("X") || id.equals("*");
  }

  /** {@code +n + 1} in JavaScript. */
  private static String inc(String n) {
    return Long.toString(safeInteger(number(n) + 1));
  }

  private static long number(String digits) {
    return safeInteger(digits.length() > 16 ? Long.MAX_VALUE : Long.parseLong(digits));
  }

  /** npm refuses numbers past 2^53 - 1, JavaScript's largest safe integer. */
  private static long safeInteger(long n) {
    if (n > MAX_SAFE_INTEGER) {
      throw new InvalidRange();
    }
    return n;
  }

  /** JavaScript's String.trim, once every whitespace of the range is a single ' '. */
  private static String trim(String s) {
    return TRIM.matcher(s).replaceAll("");
  }

  private static Pattern safe(String source) {
    return Pattern.compile(
        source
            .replace("\\s*", "\\s{0,1}")
            .replace("\\s+", "\\s{1,1}")
            .replace("\\d*", "\\d{0,256}")
            .replace("\\d+", "\\d{1,256}")
            .replace("[a-zA-Z0-9-]*", "[a-zA-Z0-9-]{0,250}")
            .replace("[a-zA-Z0-9-]+", "[a-zA-Z0-9-]{1,250}"));
  }

  /** Where node-semver throws; never leaves this class. */
  private static final class InvalidRange extends RuntimeException {
    InvalidRange() {
      super(null, null, false, false);
    }
  }

  /** One comparator: an operator ({@code ""} for =) and a version; ANY for any version. */
  private record Comparator(String op, long major, long minor, long patch, String[] pre) {
    static final Comparator ANY = new Comparator("", 0, 0, 0, new String[0]);

    static Comparator parse(String comp) {
      Matcher m = COMPARATOR.matcher(comp);
      if (comp.isEmpty()) {
        return ANY;
      } else if (!m.matches() || m.group(2).length() > MAX_LENGTH) {
        throw new InvalidRange();
      }
      String[] pre = m.group(6) == null ? new String[0] : m.group(6).split("\\.");
      String op = m.group(1).equals("=") ? "" : m.group(1);
      return new Comparator(op, number(m.group(3)), number(m.group(4)), number(m.group(5)), pre);
    }

    boolean test(org.semver4j.Semver v) {
      if (this == ANY) {
        return true;
      }
      int c = compare(v);
      return switch (op) {
        case "" -> c == 0;
        case ">" -> c > 0;
        case ">=" -> c >= 0;
        case "<" -> c < 0;
        default -> c <= 0; // "<="
      };
    }

    /** SemVer.compare: main version, then prerelease identifiers; build metadata never counts. */
    private int compare(org.semver4j.Semver v) {
      int main = Long.compare(v.getMajor(), major);
      main = main != 0 ? main : Long.compare(v.getMinor(), minor);
      main = main != 0 ? main : Long.compare(v.getPatch(), patch);
      List<String> vp = v.getPreRelease();
      if (main != 0 || vp.isEmpty() || pre.length == 0) {
        return main != 0 ? main : Boolean.compare(vp.isEmpty(), pre.length == 0);
      }
      for (int i = 0; ; i++) {
        if (i >= vp.size() || i >= pre.length) {
          return Integer.compare(vp.size(), pre.length);
        } else if (!vp.get(i).equals(pre[i])) {
          return compareIdentifiers(vp.get(i), pre[i]);
        }
      }
    }

    /** Numeric identifiers compare as JavaScript numbers and sort before alphanumeric ones. */
    private static int compareIdentifiers(String a, String b) {
      boolean an = isNumeric(a);
      boolean bn = isNumeric(b);
      if (an && bn) {
        return a.length() <= 15 && b.length() <= 15
            ? Long.compare(Long.parseLong(a), Long.parseLong(b))
            : Double.compare(Double.parseDouble(a), Double.parseDouble(b));
      } else if (an || bn) {
        return an ? -1 : 1;
      }
      return Integer.signum(a.compareTo(b));
    }

    private static boolean isNumeric(String id) {
      for (int i = 0; i < id.length(); i++) {
        if (id.charAt(i) < '0' || id.charAt(i) > '9') {
          return false;
        }
      }
      return !id.isEmpty();
    }
  }
}
