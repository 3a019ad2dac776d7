package dev.lockstep.testkit.cluster;

/** Splits container image references such as {@code registry:5000/team/app:1.2.0@sha256:ab}. */
final class Images {

  private Images() {}

  /** The reference without its digest and tag, e.g. {@code registry:5000/team/app}. */
  static String repository(String image) {
    String named = withoutDigest(image);
    int colon = tagSeparator(named);
    return colon < 0 ? named : named.substring(0, colon);
  }

  /** The tag, or the empty string when the reference has none. */
  static String tag(String image) {
    String named = withoutDigest(image);
    int colon = tagSeparator(named);
    return colon < 0 ? "" : named.substring(colon + 1);
  }

  private static String withoutDigest(String image) {
    int at = image.indexOf('@');
    return at < 0 ? image : image.substring(0, at);
  }

  private static int tagSeparator(String named) {
    int colon = named.lastIndexOf(':');
    return colon > named.lastIndexOf('/') ? colon : -1;
  }
}
