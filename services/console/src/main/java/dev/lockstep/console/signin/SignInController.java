package dev.lockstep.console.signin;

import static dev.lockstep.console.pages.Html.text;

import com.nimbusds.jwt.SignedJWT;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.runtime.security.TokenVerifier;
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
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import java.net.URI;
import java.text.ParseException;
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
 * without the token passing through the browser at all.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@ExecuteOn(TaskExecutors.BLOCKING)
public class SignInController {
  private static final Logger LOG = LoggerFactory.getLogger(SignInController.class);

  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final SignInCodes codes;

  public SignInController(TokenVerifier verifier, Sessions sessions, SignInCodes codes) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.codes = codes;
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

  private static MutableHttpResponse<String> page(HttpStatus status, @Nullable String error) {
    StringBuilder body = new StringBuilder();
    body.append("<section class=\"signin\"><h1>Sign in</h1>");
    if (error != null) {
      body.append("<p class=\"error\" role=\"alert\">").append(text(error)).append("</p>");
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
