package dev.lockstep.console.signin;

import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sign-ins through the identity provider that have started and not yet come back: each one's {@code
 * state}, {@code nonce} and PKCE verifier, kept on the server and bound to a pre-session cookie,
 * good once and for {@link #VALIDITY}. A callback whose state is unknown, used, expired or came
 * with another browser's cookie finds nothing.
 */
@Singleton
public class OidcLogins {
  /** The pre-session cookie's name. */
  public static final String COOKIE = "lockstep_console_oidc";

  /** How long a started sign-in may take at the provider. */
  static final Duration VALIDITY = Duration.ofMinutes(10);

  /** Started sign-ins kept at most, so that a flood of starts cannot fill the memory. */
  private static final int MAX_PENDING = 10_000;

  /**
   * One started sign-in.
   *
   * @param state the random value the provider sends back
   * @param nonce the random value the ID token must carry
   * @param verifier the PKCE code verifier (its S256 hash went to the provider)
   * @param browser the pre-session cookie's random value this sign-in is bound to
   * @param expiresAt when it is no longer good
   */
  public record Pending(
      String state, String nonce, String verifier, String browser, Instant expiresAt) {}

  private final Map<String, Pending> byState = new ConcurrentHashMap<>();
  private final Clock clock;
  private final boolean secureCookie;

  public OidcLogins(
      Clock clock,
      @io.micronaut.context.annotation.Value("${lockstep.console.secure-cookie:false}")
          boolean secureCookie) {
    this.clock = clock;
    this.secureCookie = secureCookie;
  }

  /** A new sign-in for the browser that holds the returned pending's cookie. */
  public Pending start() {
    Instant now = clock.instant();
    byState.values().removeIf(p -> !now.isBefore(p.expiresAt()));
    if (byState.size() >= MAX_PENDING) {
      throw new IllegalStateException("too many sign-ins under way");
    }
    Pending pending =
        new Pending(
            Sessions.random(),
            Sessions.random(),
            Sessions.random(),
            Sessions.random(),
            now.plus(VALIDITY));
    byState.put(pending.state(), pending);
    return pending;
  }

  /**
   * The sign-in of that state, once: it is forgotten at this call whatever the outcome, and given
   * only to the browser it was started for and before it expires.
   */
  public Optional<Pending> finish(String state, String browser) {
    if (state == null) {
      return Optional.empty();
    }
    Pending pending = byState.remove(state);
    if (pending == null
        || browser == null
        || !MessageDigest.isEqual(
            pending.browser().getBytes(StandardCharsets.UTF_8),
            browser.getBytes(StandardCharsets.UTF_8))
        || !clock.instant().isBefore(pending.expiresAt())) {
      return Optional.empty();
    }
    return Optional.of(pending);
  }

  /**
   * The pre-session cookie: SameSite=Lax, because the provider's redirect back is a navigation from
   * another site, which a Strict cookie would not accompany; only sent to the callback.
   */
  public Cookie cookie(Pending pending) {
    return Cookie.of(COOKIE, pending.browser())
        .path("/signin/oidc")
        .httpOnly(true)
        .sameSite(SameSite.Lax)
        .secure(secureCookie)
        .maxAge(VALIDITY.toSeconds());
  }

  /** The cookie that removes the pre-session cookie. */
  public Cookie expired() {
    return Cookie.of(COOKIE, "")
        .path("/signin/oidc")
        .httpOnly(true)
        .sameSite(SameSite.Lax)
        .secure(secureCookie)
        .maxAge(0);
  }
}
