package dev.lockstep.console.signin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/** The check of a state-changing form: it must carry its session's CSRF token. */
public final class Csrf {
  private Csrf() {}

  /** Whether the form's {@code csrf} field is the session's. */
  public static boolean matches(Session session, Map<String, String> form) {
    String sent = form.get("csrf");
    return sent != null
        && MessageDigest.isEqual(
            sent.getBytes(StandardCharsets.UTF_8), session.csrf().getBytes(StandardCharsets.UTF_8));
  }
}
