package dev.lockstep.console.signin;

import static dev.lockstep.console.pages.Html.text;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.runtime.security.TokenVerifier;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Sign-in and sign-out. A pasted token is checked as the services check it ({@link TokenVerifier})
 * and kept server-side in a {@link Session}; a one-time code from the local mode does the same
 * without the token passing through the browser at all, and so does a sign-in at the organisation's
 * identity provider ({@link OidcClient}), whose access token becomes the session's.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
public class SignInController {
  private static final Logger LOG = LoggerFactory.getLogger(SignInController.class);

  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final SignInCodes codes;
  private final OidcClient oidc;
  private final OidcLogins logins;
  private final Clock clock;
  private final String issuer;
  private final String audience;

  public SignInController(
      TokenVerifier verifier,
      Sessions sessions,
      SignInCodes codes,
      OidcClient oidc,
      OidcLogins logins,
      Clock clock,
      @Nullable @Value("${lockstep.security.issuer:}") String issuer,
      @Nullable @Value("${lockstep.security.audience:}") String audience) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.codes = codes;
    this.oidc = oidc;
    this.logins = logins;
    this.clock = clock;
    this.issuer = issuer == null || issuer.isBlank() ? null : issuer;
    this.audience = audience == null || audience.isBlank() ? null : audience;
  }

  /** The console's root: the platforms, or the sign-in page. */
  @Get
  public MutableHttpResponse<String> root(HttpRequest<?> request) {
    return sessions.of(request).isPresent()
        ? HttpResponse.<String>seeOther(URI.create("/platforms"))
        : Layout.toSignIn();
  }

  /** The sign-in form. */
  @Get("/signin")
  public MutableHttpResponse<String> form() {
    return page(HttpStatus.OK, null);
  }

  /** Signs in with a pasted token. */
  @Post("/signin")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public MutableHttpResponse<String> signIn(@Body Map<String, String> form) {
    String token = form.getOrDefault("token", "").trim();
    if (token.startsWith("Bearer ")) {
      token = token.substring("Bearer ".length()).trim();
    }
    return open(token)
        .map(this::signedIn)
        .orElseGet(
            () ->
                page(
                    HttpStatus.UNAUTHORIZED,
                    "That token was not accepted: it is expired, malformed or not signed for"
                        + " this Lockstep."));
  }

  /** Signs in with a one-time code, once. */
  @Get("/signin/{code}")
  public MutableHttpResponse<String> code(@PathVariable String code) {
    Optional<Session> session = codes.redeem(code).flatMap(this::open);
    if (session.isEmpty()) {
      LOG.info("a sign-in code was refused (used, expired or unknown)");
      return page(
          HttpStatus.UNAUTHORIZED,
          "That sign-in link was used already or has expired. Paste a token instead, or run"
              + " `lockstep local` again for a new link.");
    }
    return signedIn(session.get());
  }

  /**
   * Starts a sign-in at the identity provider: a new state, nonce and PKCE verifier kept here and
   * bound to this browser's pre-session cookie, and the browser sent to the provider.
   */
  @Get("/signin/oidc/start")
  public MutableHttpResponse<String> startOidc() {
    if (!oidc.enabled()) {
      return page(HttpStatus.NOT_FOUND, "Sign-in through an identity provider is not configured.");
    }
    OidcLogins.Pending login;
    URI authorization;
    try {
      login = logins.start();
      authorization = oidc.authorization(login);
    } catch (OidcClient.OidcException e) {
      LOG.warn("could not start a sign-in at the identity provider: {}", e.getMessage());
      return page(HttpStatus.BAD_GATEWAY, e.getMessage());
    } catch (IllegalStateException e) {
      return page(HttpStatus.SERVICE_UNAVAILABLE, "Too many sign-ins are under way; try again.");
    }
    return HttpResponse.<String>seeOther(authorization)
        .header("Cache-Control", "no-store")
        .cookie(logins.cookie(login));
  }

  /**
   * The provider's redirect back: the state must be one this browser started and not used yet; the
   * code is exchanged server to server, the ID token verified, and the access token, checked as the
   * services check it, opens the session. Whatever happens, the state is used up and the
   * pre-session cookie removed. The answer is a page that moves on to the platforms by itself, a
   * navigation within the console, so that the SameSite=Strict session cookie goes with it.
   */
  @Get(OidcClient.CALLBACK)
  public MutableHttpResponse<String> oidcCallback(
      HttpRequest<?> request,
      @Nullable @QueryValue String state,
      @Nullable @QueryValue String code,
      @Nullable @QueryValue String error,
      @Nullable @QueryValue("error_description") String description) {
    if (!oidc.enabled()) {
      return page(HttpStatus.NOT_FOUND, "Sign-in through an identity provider is not configured.");
    }
    String browser =
        request.getCookies().findCookie(OidcLogins.COOKIE).map(Cookie::getValue).orElse(null);
    Optional<OidcLogins.Pending> login = logins.finish(state, browser);
    if (error != null) {
      LOG.info(
          "the identity provider did not sign an operator in: {}",
          error.replaceAll("[^A-Za-z0-9_.-]", "?"));
      return page(
              HttpStatus.UNAUTHORIZED,
              oidc.name()
                  + " did not sign you in: "
                  + error
                  + (description == null ? "" : " (" + description + ")")
                  + ".")
          .cookie(logins.expired());
    }
    if (login.isEmpty() || code == null || code.isBlank()) {
      LOG.info("a sign-in came back from the identity provider with an unknown or used state");
      return page(
              HttpStatus.BAD_REQUEST,
              "This sign-in was not started in this browser, was finished already or took longer"
                  + " than "
                  + OidcLogins.VALIDITY.toMinutes()
                  + " minutes. Start it again.")
          .cookie(logins.expired());
    }
    String accessToken;
    try {
      accessToken = oidc.exchange(code, login.get());
    } catch (OidcClient.OidcException e) {
      LOG.info("a sign-in at the identity provider failed: {}", e.getMessage());
      return page(HttpStatus.UNAUTHORIZED, e.getMessage()).cookie(logins.expired());
    }
    Optional<Session> session = open(accessToken);
    if (session.isEmpty()) {
      String reason = whyRefused(accessToken);
      LOG.info("an access token of the identity provider was refused: {}", reason);
      return page(
              HttpStatus.UNAUTHORIZED,
              "You signed in at "
                  + oidc.name()
                  + ", but Lockstep's services would refuse its access token: "
                  + reason
                  + ".")
          .cookie(logins.expired());
    }
    LOG.info("{} signed in through the identity provider", session.get().name());
    String body =
        "<section class=\"signin\"><h1>Signed in</h1><p><a href=\"/platforms\">Go on to the"
            + " platforms</a></p></section>";
    MutableHttpResponse<String> response =
        Layout.html(HttpStatus.OK, Layout.page("Signed in", null, body))
            .cookie(sessions.cookie(session.get()))
            .cookie(logins.expired());
    // the page's own URL holds the code: no Referer carries it on
    response.getHeaders().set("Referrer-Policy", "no-referrer");
    response.getHeaders().set("Refresh", "0; url=/platforms");
    return response;
  }

  /** Signs out: the session ends and its cookie goes. */
  @Post("/signout")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public MutableHttpResponse<String> signOut(
      HttpRequest<?> request, @Body Map<String, String> form) {
    Optional<Session> session = sessions.of(request);
    if (session.isPresent() && Csrf.matches(session.get(), form)) {
      sessions.close(session.get());
    }
    return Layout.toSignIn().cookie(sessions.expired());
  }

  private MutableHttpResponse<String> signedIn(Session session) {
    LOG.info("{} signed in", session.name());
    return HttpResponse.<String>seeOther(URI.create("/platforms"))
        .header("Cache-Control", "no-store")
        .cookie(sessions.cookie(session));
  }

  private Optional<Session> open(String token) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    Authentication who = Mono.from(verifier.validateToken(token, null)).block();
    if (who == null) {
      return Optional.empty();
    }
    Date expiry;
    try {
      expiry = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime();
    } catch (ParseException e) {
      return Optional.empty();
    }
    if (expiry == null) {
      return Optional.empty();
    }
    Instant expiresAt = expiry.toInstant();
    return Optional.of(sessions.open(token, who, expiresAt));
  }

  /** Why the services would refuse a token, from its claims (read, not trusted). */
  private String whyRefused(String token) {
    JWTClaimsSet claims;
    try {
      claims = SignedJWT.parse(token).getJWTClaimsSet();
    } catch (ParseException e) {
      return "it is not a signed JWT (ask the provider for JWT access tokens)";
    }
    if (claims.getExpirationTime() != null
        && !clock.instant().isBefore(claims.getExpirationTime().toInstant())) {
      return "it has expired";
    }
    if (audience != null && !claims.getAudience().contains(audience)) {
      return "its audience "
          + claims.getAudience()
          + " does not hold "
          + audience
          + " (lockstep.security.audience)";
    }
    if (issuer != null && !issuer.equals(claims.getIssuer())) {
      return "its issuer "
          + claims.getIssuer()
          + " is not "
          + issuer
          + " (lockstep.security.issuer)";
    }
    return "its signature is not by a key Lockstep trusts (lockstep.security.jwks-url), or it lacks"
        + " a subject or an expiry";
  }

  private MutableHttpResponse<String> page(HttpStatus status, @Nullable String error) {
    StringBuilder body = new StringBuilder();
    body.append("<section class=\"signin\"><h1>Sign in</h1>");
    if (error != null) {
      body.append("<p class=\"error\" role=\"alert\">").append(text(error)).append("</p>");
    }
    if (oidc.enabled()) {
      body.append("<p><a class=\"button\" href=\"/signin/oidc/start\">Sign in with ")
          .append(text(oidc.name()))
          .append("</a></p><p class=\"hint\">or paste a token:</p>");
    }
    body.append("<form method=\"post\" action=\"/signin\">")
        .append("<label for=\"token\">Bearer token</label>")
        .append("<textarea id=\"token\" name=\"token\" rows=\"4\" required autocomplete=\"off\"")
        .append(" spellcheck=\"false\" autofocus></textarea>")
        .append("<p class=\"hint\">The token stays on the console's server, in your session; it")
        .append(" is never put in a page or a URL. <code>lockstep local</code> prints a link that")
        .append(" signs you in.</p>")
        .append("<button type=\"submit\">Sign in</button></form></section>");
    return Layout.html(status, Layout.page("Sign in", null, body.toString()));
  }
}
