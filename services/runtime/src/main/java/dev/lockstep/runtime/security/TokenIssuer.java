package dev.lockstep.runtime.security;

import io.micronaut.security.token.generator.TokenGenerator;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Issues signed bearer tokens (JWT, HS256 with the configured secret) for a subject and roles: for
 * the local mode and tests. In production an identity provider issues them.
 */
@Singleton
public class TokenIssuer {
  private final TokenGenerator generator;
  private final Clock clock;

  public TokenIssuer(TokenGenerator generator, Clock clock) {
    this.generator = generator;
    this.clock = clock;
  }

  /** A token for the subject with the roles, valid for the given time. */
  public String issue(String subject, List<String> roles, Duration validity) {
    return issue(subject, roles, null, validity);
  }

  /**
   * A token for the subject with the roles, limited to the platforms matching the patterns ({@link
   * PlatformAccess}), or to none when null.
   */
  public String issue(
      String subject, List<String> roles, List<String> platforms, Duration validity) {
    long now = clock.instant().getEpochSecond();
    Map<String, Object> claims = new HashMap<>();
    if (platforms != null) {
      claims.put(PlatformAccess.CLAIM, List.copyOf(platforms));
    }
    claims.put("sub", subject);
    claims.put("roles", List.copyOf(roles));
    claims.put("iat", now);
    claims.put("nbf", now);
    claims.put("exp", now + validity.toSeconds());
    claims.put("iss", "lockstep");
    return generator
        .generateToken(claims)
        .orElseThrow(() -> new IllegalStateException("no token generator is configured"));
  }
}
