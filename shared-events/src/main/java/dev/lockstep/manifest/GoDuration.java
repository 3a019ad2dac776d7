package dev.lockstep.manifest;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the Go and Kubernetes way: {@code 10s}, {@code 5m}, {@code 1h30m}, {@code
 * 500ms}.
 */
public final class GoDuration {
  private static final Pattern WHOLE =
      Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ns|us|µs|ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  /** The duration, or empty when the text is not a Go duration. */
  public static Optional<Duration> parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      return Optional.empty();
    }
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      BigDecimal amount = new BigDecimal(m.group(1));
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos = nanos.add(amount.multiply(BigDecimal.valueOf(unit)));
    }
    return Optional.of(Duration.ofNanos(nanos.longValue()));
  }

  /** The duration, or {@code fallback} when the text is null; an error when it is malformed. */
  public static Duration parseOr(String text, Duration fallback) {
    if (text == null) {
      return fallback;
    }
    return parse(text)
        .orElseThrow(() -> new IllegalArgumentException("not a duration: '" + text + "'"));
  }
}
