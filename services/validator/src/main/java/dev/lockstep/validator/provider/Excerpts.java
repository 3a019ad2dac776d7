package dev.lockstep.validator.provider;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What of an answer may go into an event: at most {@link #LIMIT} characters, with the secrets the
 * request carried and anything that looks like a credential masked, so that a gate cannot be used
 * to read a service's answer back through the events.
 */
public final class Excerpts {
  /** The longest excerpt, in characters. */
  public static final int LIMIT = 200;

  /** What stands in for a masked value. */
  public static final String MASK = "***";

  private static final Pattern AUTH_SCHEME =
      Pattern.compile("(?i)\\b(bearer|basic|token)\\s+[A-Za-z0-9._~+/=-]+");

  private static final Pattern NAMED_SECRET =
      Pattern.compile(
          "(?i)([\"']?[a-z0-9_-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|"
              + "authorization|credential|session)[a-z0-9_-]*[\"']?\\s*[:=]\\s*[\"']?)"
              + "([^\"'\\s,;&}]+)");

  private static final Pattern JWT =
      Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

  /** Long runs of key-like characters with letters and digits: tokens, keys, hashes. */
  private static final Pattern TOKEN_LIKE =
      Pattern.compile(
          "(?=[A-Za-z0-9+/_=-]*[0-9])(?=[A-Za-z0-9+/_=-]*[A-Za-z])[A-Za-z0-9+/_=-]{24,}");

  private Excerpts() {}

  /** The text, masked and cut to {@link #LIMIT} characters. */
  public static String of(String text, Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4) {
        masked = masked.replace(secret, MASK);
        // a bearer header's token alone, too
        int space = secret.indexOf(' ');
        if (space > 0 && secret.length() - space > 4) {
          masked = masked.replace(secret.substring(space + 1), MASK);
        }
      }
    }
    masked = JWT.matcher(masked).replaceAll(MASK);
    masked =
        AUTH_SCHEME
            .matcher(masked)
            .replaceAll(m -> Matcher.quoteReplacement(m.group(1)) + " " + MASK);
    masked =
        NAMED_SECRET.matcher(masked).replaceAll(m -> Matcher.quoteReplacement(m.group(1)) + MASK);
    masked = TOKEN_LIKE.matcher(masked).replaceAll(MASK);
    return masked.length() > LIMIT ? masked.substring(0, LIMIT) + "..." : masked;
  }
}
