package dev.lockstep.console;

import static dev.lockstep.console.TestingConsole.HTTP;
import static dev.lockstep.console.TestingConsole.formBody;
import static dev.lockstep.console.TestingConsole.get;
import static dev.lockstep.console.TestingConsole.session;
import static dev.lockstep.console.TestingConsole.sessionCookies;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lockstep.testkit.oidc.OidcProvider;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sign-in at the organisation's identity provider (a real OIDC provider over HTTP, {@link
 * OidcProvider}), driven as a browser drives it, redirect by redirect with its cookies: the console
 * sends the browser to the provider with state, nonce and an S256 PKCE challenge, takes the code
 * back, exchanges it server to server, and opens a session with the provider's access token, which
 * then reaches the services. A wrong or reused state, a denied sign-in, an ID token that is not for
 * this console and an access token the services would refuse all end on the sign-in page with the
 * reason and no session; no token, code or secret reaches a log line.
 */
class ConsoleOidcTest {
  private static final String CLIENT = "lockstep-console";
  private static final String CLIENT_SECRET = "the-console-client-secret-0123456789";
  private static final String PASSWORD = "correct horse battery staple";

  private static OidcProvider provider;
  private static TestingServices services;
  private static TestingConsole console;
  private static URI base;
  private static TestingConsole.Logs logs;

  @BeforeAll
  static void startAll() throws Exception {
    logs = new TestingConsole.Logs();
    services = new TestingServices();
    services.answer(
        "/api/v1/platforms/dataos-a",
        "{\"platform\":\"dataos-a\",\"release\":\"1.0.0\",\"inventory\":["
            + "{\"name\":\"postgres\",\"layer\":\"cloud-kernel\",\"version\":\"15.3.0\"}],"
            + "\"queue\":[]}");
    services.answer(
        "/api/v1/platforms/dataos-a/available-upgrades",
        "{\"platform\":\"dataos-a\",\"releases\":[]}");
    provider =
        OidcProvider.start("lockstep")
            .user(new OidcProvider.User("alice", PASSWORD, List.of("viewer", "approver"), null))
            .user(new OidcProvider.User("bob", PASSWORD, List.of("viewer"), List.of("dataos-a")));
    // the console's port is known only once it runs: reserve one for the redirect URI
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    base = URI.create("http://127.0.0.1:" + port);
    provider.client(CLIENT, CLIENT_SECRET, base + "/signin/oidc/callback");
    Map<String, Object> properties = new HashMap<>();
    properties.put("micronaut.server.port", port);
    properties.put("lockstep.security.jwks-url", provider.jwksUrl());
    properties.put("lockstep.security.issuer", provider.issuer());
    properties.put("lockstep.security.audience", "lockstep");
    properties.put("lockstep.security.jwt-secret", "");
    properties.put("lockstep.console.planner-url", services.url().toString());
    properties.put("lockstep.console.recorder-url", services.url().toString());
    properties.put("lockstep.console.platforms", List.of("dataos-a"));
    properties.put("lockstep.console.oidc.issuer", provider.issuer());
    properties.put("lockstep.console.oidc.client-id", CLIENT);
    properties.put("lockstep.console.oidc.client-secret", CLIENT_SECRET);
    properties.put("lockstep.console.oidc.scopes", List.of("openid", "profile"));
    properties.put("lockstep.console.oidc.base-url", base.toString());
    properties.put("lockstep.console.oidc.name", "Testing IdP");
    console = TestingConsole.start(properties);
  }

  @AfterAll
  static void stopAll() throws Exception {
    TestingConsole.closeAll(console, services, provider);
  }

  @AfterEach
  void askAgain() {
    provider.signInAtOnce(null);
  }

  @Test
  void signsInAtTheProviderAndCallsTheServicesWithItsAccessToken() throws Exception {
    HttpResponse<String> signIn = get(base.resolve("/signin"), Map.of());
    assertThat(signIn.body())
        .contains("href=\"/signin/oidc/start\"")
        .contains("Sign in with Testing IdP")
        .contains("name=\"token\"");

    Login login = begin();
    assertThat(login.authorization())
        .startsWith(provider.issuer() + "/authorize?")
        .contains("code_challenge_method=S256")
        .contains("client_id=" + CLIENT)
        .contains("scope=openid+profile")
        .contains(
            "redirect_uri="
                + URLEncoder.encode(base + "/signin/oidc/callback", StandardCharsets.UTF_8));
    assertThat(query(login.authorization())).containsKeys("state", "nonce", "code_challenge");

    // the provider's login page, filled in as a person would
    HttpResponse<String> page = get(URI.create(login.authorization()), Map.of());
    assertThat(page.statusCode()).isEqualTo(200);
    Map<String, String> form = hiddenFields(page.body());
    form.put("username", "alice");
    form.put("password", PASSWORD);
    form.put("signin", "");
    HttpResponse<String> back = post(provider.authorizationEndpoint(), form);
    assertThat(back.statusCode()).isEqualTo(302);
    String callback = back.headers().firstValue("Location").orElseThrow();
    assertThat(callback).startsWith(base + "/signin/oidc/callback?");
    assertThat(query(callback).get("state")).isEqualTo(query(login.authorization()).get("state"));
    String code = query(callback).get("code");
    assertThat(code).isNotBlank();

    HttpResponse<String> done =
        get(URI.create(callback), Map.of(login.cookieName(), login.cookie()));
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).contains("Signed in").contains("href=\"/platforms\"");
    assertThat(done.headers().firstValue("Refresh")).hasValue("0; url=/platforms");
    assertThat(done.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    String session = session(done);
    assertThat(done.headers().allValues("Set-Cookie"))
        .anySatisfy(c -> assertThat(c).startsWith("lockstep_console_oidc=;"));

    HttpResponse<String> platforms =
        get(base.resolve("/platforms"), Map.of("lockstep_console", session));
    assertThat(platforms.statusCode()).isEqualTo(200);
    assertThat(platforms.body()).contains("signed in as alice").contains("15.3.0");

    // the planner was called with the provider's access token (not its ID token)
    String authorization =
        services.seen().stream()
            .filter(s -> s.uri().equals("/api/v1/platforms/dataos-a"))
            .map(TestingServices.Seen::authorization)
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(authorization).startsWith("Bearer ");
    String accessToken = authorization.substring("Bearer ".length());
    JWTClaimsSet claims = SignedJWT.parse(accessToken).getJWTClaimsSet();
    assertThat(claims.getSubject()).isEqualTo("alice");
    assertThat(claims.getAudience()).containsExactly("lockstep");
    assertThat(claims.getIssuer()).isEqualTo(provider.issuer());
    assertThat(platforms.body()).doesNotContain(accessToken);

    assertThat(logLines()).anySatisfy(line -> assertThat(line).contains("alice signed in"));
    for (String secret : List.of(accessToken, code, CLIENT_SECRET, login.cookie())) {
      assertThat(logLines()).noneSatisfy(line -> assertThat(line).contains(secret));
    }
  }

  @Test
  void aCallbackUsedTwiceOrWithACodeUsedBeforeIsRefused() throws Exception {
    provider.signInAtOnce("bob");
    Login first = begin();
    String callback = atProvider(first);
    HttpResponse<String> signedIn = get(URI.create(callback), first.cookies());
    assertThat(signedIn.statusCode()).isEqualTo(200);

    // the same callback again: its state is used up
    HttpResponse<String> again = get(URI.create(callback), first.cookies());
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).contains("was finished already").contains("name=\"token\"");
    assertThat(sessionCookies(again)).isEmpty();

    // a new sign-in's state with the used code: the provider refuses the code
    Login second = begin();
    String secondCallback = atProvider(second);
    String replayed =
        base
            + "/signin/oidc/callback?code="
            + query(callback).get("code")
            + "&state="
            + query(secondCallback).get("state");
    HttpResponse<String> reused = get(URI.create(replayed), second.cookies());
    assertThat(reused.statusCode()).isEqualTo(401);
    assertThat(reused.body())
        .contains("The identity provider refused the sign-in: invalid_grant")
        .contains("unknown, used or expired");
    assertThat(sessionCookies(reused)).isEmpty();
  }

  @Test
  void aStateNotStartedInThisBrowserIsRefused() throws Exception {
    provider.signInAtOnce("bob");
    Login mine = begin();
    Login theirs = begin();
    String callback = atProvider(theirs);

    // someone else's callback in my browser (my pre-session cookie, their state)
    HttpResponse<String> crossed = get(URI.create(callback), mine.cookies());
    assertThat(crossed.statusCode()).isEqualTo(400);
    assertThat(crossed.body()).contains("was not started in this browser");
    assertThat(sessionCookies(crossed)).isEmpty();
    // that used their state up too: it cannot be tried again with the right cookie
    assertThat(get(URI.create(callback), theirs.cookies()).statusCode()).isEqualTo(400);

    // a made-up state, and none at all
    String code = query(atProvider(mine)).get("code");
    for (String made :
        List.of("/signin/oidc/callback?code=" + code + "&state=made-up", "/signin/oidc/callback")) {
      HttpResponse<String> response = get(base.resolve(made), mine.cookies());
      assertThat(response.statusCode()).as(made).isEqualTo(400);
      assertThat(sessionCookies(response)).as(made).isEmpty();
    }
  }

  @Test
  void aDeniedSignInShowsTheProvidersAnswer() throws Exception {
    Login login = begin();
    Map<String, String> form =
        hiddenFields(get(URI.create(login.authorization()), Map.of()).body());
    form.put("deny", "");
    HttpResponse<String> back = post(provider.authorizationEndpoint(), form);
    String callback = back.headers().firstValue("Location").orElseThrow();
    assertThat(callback).contains("error=access_denied");

    HttpResponse<String> denied = get(URI.create(callback), login.cookies());
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.body())
        .contains("Testing IdP did not sign you in: access_denied (The user denied the request)")
        .contains("Sign in with Testing IdP");
    assertThat(sessionCookies(denied)).isEmpty();
  }

  @Test
  void anIdTokenForAnotherClientOrSignInIsRefused() throws Exception {
    provider.signInAtOnce("alice");
    provider.nextIdTokenClaims(Map.of("aud", "another-client"));
    Login login = begin();
    HttpResponse<String> wrongAudience = get(URI.create(atProvider(login)), login.cookies());
    assertThat(wrongAudience.statusCode()).isEqualTo(401);
    assertThat(wrongAudience.body())
        .contains("The identity provider&#39;s ID token was not accepted")
        .contains("audience");
    assertThat(sessionCookies(wrongAudience)).isEmpty();

    provider.nextIdTokenClaims(Map.of("nonce", "of-another-sign-in"));
    Login other = begin();
    HttpResponse<String> wrongNonce = get(URI.create(atProvider(other)), other.cookies());
    assertThat(wrongNonce.statusCode()).isEqualTo(401);
    assertThat(wrongNonce.body()).contains("its nonce is not this sign-in");
    assertThat(sessionCookies(wrongNonce)).isEmpty();
  }

  @Test
  void anAccessTokenTheServicesWouldRefuseShowsWhy() throws Exception {
    provider.signInAtOnce("alice");
    provider.nextAccessTokenClaims(Map.of("aud", "another-api"));
    Login login = begin();
    HttpResponse<String> refused = get(URI.create(atProvider(login)), login.cookies());
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body())
        .contains("Lockstep&#39;s services would refuse its access token")
        .contains("its audience [another-api] does not hold lockstep");
    assertThat(sessionCookies(refused)).isEmpty();
  }

  @Test
  void theProviderChecksThePkceVerifier() throws Exception {
    provider.signInAtOnce("bob");
    Login login = begin();
    String callback = atProvider(login);
    String code = query(callback).get("code");

    // whoever intercepts the code cannot redeem it without the console's verifier
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", base + "/signin/oidc/callback");
    form.put("code_verifier", "a-guessed-verifier-a-guessed-verifier-a-guessed");
    form.put("client_id", CLIENT);
    form.put("client_secret", CLIENT_SECRET);
    HttpResponse<String> stolen = post(URI.create(provider.tokenEndpoint()), form);
    assertThat(stolen.statusCode()).isEqualTo(400);
    assertThat(stolen.body()).contains("invalid_grant").contains("PKCE");

    // the console sends the verifier that belongs to the challenge: the same code works for it
    HttpResponse<String> done = get(URI.create(callback), login.cookies());
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(get(base.resolve("/platforms"), Map.of("lockstep_console", session(done))).body())
        .contains("signed in as bob");
  }

  /** A sign-in started at the console: where it sends the browser, and the pre-session cookie. */
  private record Login(String authorization, String cookieName, String cookie) {
    Map<String, String> cookies() {
      return Map.of(cookieName, cookie);
    }
  }

  private static Login begin() throws Exception {
    HttpResponse<String> started = get(base.resolve("/signin/oidc/start"), Map.of());
    assertThat(started.statusCode()).isEqualTo(303);
    String setCookie = started.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .containsIgnoringCase("HttpOnly")
        .containsIgnoringCase("SameSite=Lax")
        .contains("Path=/signin/oidc");
    Matcher m = Pattern.compile("(lockstep_console_oidc)=([^;]+)").matcher(setCookie);
    assertThat(m.find()).isTrue();
    return new Login(
        started.headers().firstValue("Location").orElseThrow(), m.group(1), m.group(2));
  }

  /** Follows the provider's authorization endpoint while it signs a user in at once. */
  private static String atProvider(Login login) throws Exception {
    HttpResponse<String> back = get(URI.create(login.authorization()), Map.of());
    assertThat(back.statusCode()).isEqualTo(302);
    return back.headers().firstValue("Location").orElseThrow();
  }

  private static Map<String, String> query(String url) {
    Map<String, String> fields = new LinkedHashMap<>();
    String query = URI.create(url).getRawQuery();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      fields.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  private static Map<String, String> hiddenFields(String html) {
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile("type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"").matcher(html);
    while (m.find()) {
      fields.put(m.group(1), m.group(2).replace("&quot;", "\"").replace("&amp;", "&"));
    }
    return fields;
  }

  /** A form posted to the provider, as its pages or a client post it. */
  private static HttpResponse<String> post(URI uri, Map<String, String> form) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(formBody(form)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> logLines() {
    return logs.lines();
  }
}
