package dev.lockstep.validator.provider;

import java.net.URI;

/** URLs as they may appear in messages and logs: without user information or query. */
public final class Urls {
  private Urls() {}

  /**
   * The URL without the parts that may carry credentials (user information, query, fragment); the
   * text up to any {@code ?} or {@code @} when it is not a URL.
   */
  public static String redact(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getScheme() == null || uri.getHost() == null) {
        return cut(url);
      }
      return uri.getScheme()
          + "://"
          + uri.getHost()
          + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
          + (uri.getRawPath() == null ? "" : uri.getRawPath());
    } catch (IllegalArgumentException e) {
      return cut(url);
    }
  }

  private static String cut(String text) {
    int at = text.indexOf('@');
    String rest = at < 0 ? text : "..." + text.substring(at + 1);
    int query = rest.indexOf('?');
    return query < 0 ? rest : rest.substring(0, query);
  }
}
