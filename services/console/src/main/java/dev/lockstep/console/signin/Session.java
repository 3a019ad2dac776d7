package dev.lockstep.console.signin;

import dev.lockstep.runtime.security.PlatformAccess;
import io.micronaut.security.authentication.Authentication;
import java.time.Instant;

/**
 * A signed-in operator: the bearer token the console calls the services with (kept here, never sent
 * to the browser), who it names, until when it is good, and the session's CSRF token that every
 * form that changes something carries.
 *
 * @param id the cookie's random value
 * @param token the operator's bearer token
 * @param who the token's subject, roles and platforms
 * @param expiresAt the token's expiry, which is the session's
 * @param csrf the random value every state-changing form must send back
 */
public record Session(String id, String token, Authentication who, Instant expiresAt, String csrf) {

  /**
   * Whether the token carries the role. Admin is not counted: the services grant it nothing beyond
   * its own routes ({@code Roles.ADMIN}), so an action offered to it would only be refused.
   */
  public boolean has(String role) {
    return who.getRoles().contains(role);
  }

  /** Whether the token may see the platform. */
  public boolean sees(String platform) {
    return PlatformAccess.allows(who, platform);
  }

  /** The operator's name. */
  public String name() {
    return who.getName();
  }
}
