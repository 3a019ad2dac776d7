package dev.lockstep.console.signin;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's sessions, in memory: a random id in an HttpOnly, SameSite=Strict cookie names the
 * operator's token held here. A session ends with its token, on sign-out, or when the console
 * restarts (the operator signs in again).
 */
@Singleton
public class Sessions {
  /** The session cookie's name. */
  public static final String COOKIE = "lockstep_console";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Session> byId = new ConcurrentHashMap<>();
  private final Clock clock;
  private final boolean secureCookie;

  public Sessions(
      Clock clock,
      @io.micronaut.context.annotation.Value("${lockstep.console.secure-cookie:false}")
          boolean secureCookie) {
    this.clock = clock;
    this.secureCookie = secureCookie;
  }

  /** A new session for a verified token, valid until the token expires. */
  public Session open(String token, Authentication who, Instant expiresAt) {
    Session session = new Session(random(), token, who, expiresAt, random());
    byId.put(session.id(), session);
    return session;
  }

  /** The request's session, if its cookie names one that has not expired. */
  public Optional<Session> of(HttpRequest<?> request) {
    return request.getCookies().findCookie(COOKIE).map(Cookie::getValue).flatMap(this::find);
  }

  /** The session of that id, if it has not expired. */
  public Optional<Session> find(String id) {
    Session session = byId.get(id);
    if (session == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(session.expiresAt())) {
      byId.remove(id);
      return Optional.empty();
    }
    return Optional.of(session);
  }

  /** Ends the session. */
  public void close(Session session) {
    byId.remove(session.id());
  }

  /** The cookie that carries the session. */
  public Cookie cookie(Session session) {
    long seconds = Math.max(0, Duration.between(clock.instant(), session.expiresAt()).toSeconds());
    return Cookie.of(COOKIE, session.id())
        .path("/")
        .httpOnly(true)
        .sameSite(SameSite.Strict)
        .secure(secureCookie)
        .maxAge(seconds);
  }

  /** The cookie that removes the session's. */
  public Cookie expired() {
    return Cookie.of(COOKIE, "")
        .path("/")
        .httpOnly(true)
        .sameSite(SameSite.Strict)
        .secure(secureCookie)
        .maxAge(0);
  }

  /** 32 random bytes, URL-safe. */
  static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
