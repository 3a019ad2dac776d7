package dev.lockstep.cli.render;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How times, durations and versions read in the command's output. */
public final class Texts {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private Texts() {}

  /** A duration as people write it: {@code 11m}, {@code 2m30s}, {@code 1h5m}, {@code 0s}. */
  public static String duration(Duration d) {
    if (d == null) {
      return "";
    }
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long seconds = d.getSeconds();
    if (seconds == 0 && d.toMillis() > 0) {
      return d.toMillis() + "ms";
    }
    long h = seconds / 3600;
    long m = seconds % 3600 / 60;
    long s = seconds % 60;
    StringBuilder b = new StringBuilder();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (s > 0 || b.length() == 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }

  /** The time of day of an instant in a zone ({@code 10:00:03}), or empty. */
  public static String clock(Instant at, ZoneId zone) {
    return at == null ? "" : CLOCK.format(at.atZone(zone));
  }

  /** A version before the change: {@code (new)} for a component new in the release. */
  public static String from(String version) {
    return version == null ? "(new)" : version;
  }

  /** A version after the change: {@code (removed)} for a component the release drops. */
  public static String to(String version) {
    return version == null ? "(removed)" : version;
  }

  /** {@code a -> b} for two releases, or what is known of them. */
  public static String releases(String from, String to) {
    if (from == null && to == null) {
      return "";
    }
    return (from == null ? "?" : from) + " -> " + (to == null ? "?" : to);
  }
}
