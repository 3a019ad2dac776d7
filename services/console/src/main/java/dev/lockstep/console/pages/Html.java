package dev.lockstep.console.pages;

import java.time.Instant;

/**
 * The one way the console writes text into HTML: every value goes through {@link #text}, so a
 * component name, a failure reason or a note can never become markup.
 */
public final class Html {
  private Html() {}

  /** The value escaped for element content and quoted attribute values; null as empty. */
  public static String text(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A path segment: escaped for a URL path, then for HTML. */
  public static String segment(String value) {
    return text(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * A time the viewer's browser shows in its own zone, with the UTC value as its title (the
   * console's script does that; without script the UTC value shows).
   */
  public static String time(Object utc) {
    if (utc == null) {
      return "";
    }
    String value = utc.toString();
    try {
      Instant.parse(value);
    } catch (RuntimeException e) {
      return text(value);
    }
    return "<time datetime=\""
        + text(value)
        + "\" title=\""
        + text(value)
        + "\">"
        + text(value)
        + "</time>";
  }

  /** A state as a word beside a colour: the class gives the colour, the word the meaning. */
  public static String state(String state) {
    String s = state == null ? "unknown" : state.toLowerCase(java.util.Locale.ROOT);
    return "<span class=\"state state-"
        + text(s.replaceAll("[^a-z-]", ""))
        + "\">"
        + text(s)
        + "</span>";
  }
}
