package dev.lockstep.runtime.security;

import dev.lockstep.runtime.http.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.security.authentication.Authentication;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The platforms a token may act on: its {@code platforms} claim, a list of patterns where {@code *}
 * stands for any characters ({@code dataos-*}); a token without the claim may act on every
 * platform. Every route that names a platform checks it beside the role.
 */
public final class PlatformAccess {
  /** The claim that limits a token to platforms. */
  public static final String CLAIM = "platforms";

  private PlatformAccess() {}

  /** True when the caller may act on the platform. */
  public static boolean allows(Authentication caller, String platform) {
    Object claim = caller == null ? null : caller.getAttributes().get(CLAIM);
    if (!(claim instanceof Collection<?> patterns)) {
      return true;
    }
    for (Object pattern : patterns) {
      if (pattern instanceof String p && matches(p, platform)) {
        return true;
      }
    }
    return false;
  }

  /** 403 with the error body when the caller may not act on the platform. */
  public static void require(Authentication caller, String platform) {
    if (platform != null && !allows(caller, platform)) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          List.of(
              new dev.lockstep.events.ErrorDetail(
                  "forbidden",
                  "platform",
                  "this token is limited to other platforms than " + platform)));
    }
  }

  static boolean matches(String pattern, String platform) {
    StringBuilder regex = new StringBuilder();
    String[] parts = pattern.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(parts[i]));
    }
    return Pattern.matches(regex.toString(), platform);
  }
}
