package dev.lockstep.testkit.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * A real OpenID Connect provider for tests and demonstrations: an HTTP server on 127.0.0.1 that
 * speaks the authorization-code flow with PKCE as an organisation's identity provider does.
 *
 * <ul>
 *   <li>{@code GET /.well-known/openid-configuration}: discovery; {@code GET /jwks}: its RSA key;
 *   <li>{@code GET /authorize}: checks the client, its redirect URI and an S256 PKCE challenge,
 *       then shows a small login page (user name, password, "Sign in" or "Deny"), or signs {@link
 *       #signInAtOnce a set user} in at once, and redirects back with a code and the state (or
 *       {@code error=access_denied});
 *   <li>{@code POST /token}: checks the code (known, unexpired, not used), the client (HTTP basic
 *       or form), the redirect URI and the PKCE verifier, then answers with RS256-signed ID and
 *       access tokens. The ID token's audience is the client; the access token's is the {@code
 *       audience} the services check, with the user's {@code roles} and {@code platforms}.
 * </ul>
 *
 * A code is used up by a successful exchange only, so a test can show that a wrong verifier is
 * refused and the right one still works.
 */
public final class OidcProvider implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration CODE_VALIDITY = Duration.ofMinutes(1);
  private static final Duration TOKEN_VALIDITY = Duration.ofHours(1);

  /**
   * A user who may sign in.
   *
   * @param name the subject
   * @param password what the login page asks for
   * @param roles the access token's {@code roles}
   * @param platforms the access token's {@code platforms}; null for all
   */
  public record User(String name, String password, List<String> roles, List<String> platforms) {}

  private record Client(String id, String secret, String redirectUri) {}

  private record Grant(
      String code,
      Client client,
      String redirectUri,
      String challenge,
      String nonce,
      User user,
      Instant expiresAt) {}

  private final HttpServer server;
  private final RSAKey key;
  private final String audience;
  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final Map<String, User> users = new ConcurrentHashMap<>();
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();
  private final AtomicReference<String> atOnce = new AtomicReference<>();
  private final AtomicReference<Map<String, Object>> nextIdClaims = new AtomicReference<>();
  private final AtomicReference<Map<String, Object>> nextAccessClaims = new AtomicReference<>();

  private OidcProvider(String audience) throws IOException {
    this.audience = audience;
    try {
      key = new RSAKeyGenerator(2048).keyID("testing-oidc-1").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/.well-known/openid-configuration", this::discovery);
    server.createContext("/jwks", this::jwks);
    server.createContext("/authorize", this::authorize);
    server.createContext("/token", this::token);
    server.start();
  }

  /** Starts a provider whose access tokens are for that audience (the services' audience). */
  public static OidcProvider start(String audience) {
    try {
      return new OidcProvider(audience);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The issuer, which is also the base of every endpoint. */
  public String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The JWKS address (for {@code lockstep.security.jwks-url}). */
  public String jwksUrl() {
    return issuer() + "/jwks";
  }

  /** The token endpoint. */
  public String tokenEndpoint() {
    return issuer() + "/token";
  }

  /** The audience of its access tokens. */
  public String audience() {
    return audience;
  }

  /** Registers a confidential client with the one redirect URI it may use. */
  public OidcProvider client(String id, String secret, String redirectUri) {
    clients.put(id, new Client(id, secret, redirectUri));
    return this;
  }

  /** Adds a user the login page accepts. */
  public OidcProvider user(User user) {
    users.put(user.name(), user);
    return this;
  }

  /**
   * From now on the authorization endpoint signs that user in at once, without a page; null: ask.
   */
  public OidcProvider signInAtOnce(String user) {
    atOnce.set(user);
    return this;
  }

  /** Claims that replace the next ID token's (a wrong audience, nonce, issuer...), once. */
  public void nextIdTokenClaims(Map<String, Object> claims) {
    nextIdClaims.set(Map.copyOf(claims));
  }

  /** Claims that replace the next access token's, once. */
  public void nextAccessTokenClaims(Map<String, Object> claims) {
    nextAccessClaims.set(Map.copyOf(claims));
  }

  /** The PKCE S256 challenge of a verifier. */
  public static String challenge(String verifier) {
    try {
      return Base64URL.encode(
              MessageDigest.getInstance("SHA-256")
                  .digest(verifier.getBytes(StandardCharsets.US_ASCII)))
          .toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void discovery(HttpExchange exchange) throws IOException {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("issuer", issuer());
    metadata.put("authorization_endpoint", issuer() + "/authorize");
    metadata.put("token_endpoint", tokenEndpoint());
    metadata.put("jwks_uri", jwksUrl());
    metadata.put("response_types_supported", List.of("code"));
    metadata.put("subject_types_supported", List.of("public"));
    metadata.put("id_token_signing_alg_values_supported", List.of("RS256"));
    metadata.put("code_challenge_methods_supported", List.of("S256"));
    metadata.put(
        "token_endpoint_auth_methods_supported",
        List.of("client_secret_basic", "client_secret_post"));
    json(exchange, 200, metadata);
  }

  private void jwks(HttpExchange exchange) throws IOException {
    json(exchange, 200, new JWKSet(key.toPublicJWK()).toJSONObject());
  }

  private void authorize(HttpExchange exchange) throws IOException {
    Map<String, String> params =
        exchange.getRequestMethod().equals("POST")
            ? form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
            : form(exchange.getRequestURI().getRawQuery());
    Client client = clients.get(params.getOrDefault("client_id", ""));
    String redirect = params.get("redirect_uri");
    if (client == null || !client.redirectUri().equals(redirect)) {
      // never redirect to an address not registered for the client
      html(exchange, 400, "<h1>Unknown client or redirect URI</h1>");
      return;
    }
    String state = params.get("state");
    if (!"code".equals(params.get("response_type"))
        || !"S256".equals(params.get("code_challenge_method"))
        || params.get("code_challenge") == null
        || !params.getOrDefault("scope", "").contains("openid")) {
      redirect(exchange, redirect, Map.of("error", "invalid_request", "state", orEmpty(state)));
      return;
    }
    User user;
    if (exchange.getRequestMethod().equals("POST")) {
      if (params.containsKey("deny")) {
        redirect(
            exchange,
            redirect,
            Map.of(
                "error",
                "access_denied",
                "error_description",
                "The user denied the request",
                "state",
                orEmpty(state)));
        return;
      }
      user = users.get(params.getOrDefault("username", ""));
      if (user == null || !user.password().equals(params.get("password"))) {
        html(exchange, 200, loginPage(params, "Wrong user name or password."));
        return;
      }
    } else if (atOnce.get() != null) {
      user = users.get(atOnce.get());
    } else {
      html(exchange, 200, loginPage(params, null));
      return;
    }
    Grant grant =
        new Grant(
            random(),
            client,
            redirect,
            params.get("code_challenge"),
            params.get("nonce"),
            user,
            Instant.now().plus(CODE_VALIDITY));
    grants.put(grant.code(), grant);
    redirect(exchange, redirect, Map.of("code", grant.code(), "state", orEmpty(state)));
  }

  private void token(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestMethod().equals("POST")) {
      json(exchange, 405, Map.of("error", "invalid_request"));
      return;
    }
    Map<String, String> params =
        form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String clientId = params.get("client_id");
    String secret = params.get("client_secret");
    String basic = exchange.getRequestHeaders().getFirst("Authorization");
    if (basic != null && basic.startsWith("Basic ")) {
      String[] pair =
          new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8)
              .split(":", 2);
      clientId = URLDecoder.decode(pair[0], StandardCharsets.UTF_8);
      secret = pair.length > 1 ? URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : null;
    }
    Client client = clientId == null ? null : clients.get(clientId);
    if (client == null || secret == null || !client.secret().equals(secret)) {
      json(exchange, 401, error("invalid_client", "unknown client or wrong secret"));
      return;
    }
    if (!"authorization_code".equals(params.get("grant_type"))) {
      json(exchange, 400, error("unsupported_grant_type", "only authorization_code"));
      return;
    }
    Grant grant = grants.get(params.getOrDefault("code", ""));
    if (grant == null || !Instant.now().isBefore(grant.expiresAt())) {
      json(exchange, 400, error("invalid_grant", "the code is unknown, used or expired"));
      return;
    }
    if (!grant.client().id().equals(client.id())
        || !grant.redirectUri().equals(params.get("redirect_uri"))) {
      json(exchange, 400, error("invalid_grant", "the code was issued to another client or URI"));
      return;
    }
    String verifier = params.get("code_verifier");
    if (verifier == null || !challenge(verifier).equals(grant.challenge())) {
      json(exchange, 400, error("invalid_grant", "the PKCE code verifier does not match"));
      return;
    }
    if (grants.remove(grant.code()) == null) {
      json(exchange, 400, error("invalid_grant", "the code is unknown, used or expired"));
      return;
    }
    Instant now = Instant.now();
    JWTClaimsSet.Builder id =
        new JWTClaimsSet.Builder()
            .issuer(issuer())
            .subject(grant.user().name())
            .audience(client.id())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(TOKEN_VALIDITY)))
            .claim("auth_time", now.getEpochSecond())
            .claim("name", grant.user().name());
    if (grant.nonce() != null) {
      id.claim("nonce", grant.nonce());
    }
    JWTClaimsSet.Builder access =
        new JWTClaimsSet.Builder()
            .issuer(issuer())
            .subject(grant.user().name())
            .audience(audience)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(TOKEN_VALIDITY)))
            .jwtID(random())
            .claim("client_id", client.id())
            .claim("roles", grant.user().roles());
    if (grant.user().platforms() != null) {
      access.claim("platforms", grant.user().platforms());
    }
    apply(id, nextIdClaims.getAndSet(null));
    apply(access, nextAccessClaims.getAndSet(null));
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("access_token", sign(access.build()));
    answer.put("id_token", sign(id.build()));
    answer.put("token_type", "Bearer");
    answer.put("expires_in", TOKEN_VALIDITY.toSeconds());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    json(exchange, 200, answer);
  }

  private static void apply(JWTClaimsSet.Builder claims, Map<String, Object> replacing) {
    if (replacing != null) {
      replacing.forEach(claims::claim);
    }
  }

  private String sign(JWTClaimsSet claims) {
    // typ JWT, not RFC 9068's at+jwt: the services accept JWT (or none), as Keycloak issues them
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  private static String loginPage(Map<String, String> params, String error) {
    StringBuilder html =
        new StringBuilder("<!doctype html><title>Testing identity provider</title>")
            .append("<h1>Sign in to the testing identity provider</h1>");
    if (error != null) {
      html.append("<p role=\"alert\">").append(escape(error)).append("</p>");
    }
    html.append("<form method=\"post\" action=\"/authorize\">");
    for (String name :
        List.of(
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method")) {
      if (params.get(name) != null) {
        html.append("<input type=\"hidden\" name=\"")
            .append(name)
            .append("\" value=\"")
            .append(escape(params.get(name)))
            .append("\">");
      }
    }
    return html.append("<label>User <input name=\"username\"></label>")
        .append("<label>Password <input name=\"password\" type=\"password\"></label>")
        .append("<button type=\"submit\" name=\"signin\">Sign in</button>")
        .append("<button type=\"submit\" name=\"deny\">Deny</button></form>")
        .toString();
  }

  private static void redirect(HttpExchange exchange, String to, Map<String, String> params)
      throws IOException {
    String query =
        params.entrySet().stream()
            .filter(e -> !e.getValue().isEmpty())
            .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
            .collect(Collectors.joining("&"));
    exchange.getResponseHeaders().set("Location", to + (to.contains("?") ? "&" : "?") + query);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  private static void html(HttpExchange exchange, int status, String html) throws IOException {
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static void json(HttpExchange exchange, int status, Map<String, Object> json)
      throws IOException {
    byte[] bytes = JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static Map<String, Object> error(String code, String description) {
    return Map.of("error", code, "error_description", description);
  }

  private static Map<String, String> form(String raw) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return fields;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      fields.putIfAbsent(name, value);
    }
    return fields;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String escape(String value) {
    return value
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String random() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The authorization endpoint (its login page). */
  public URI authorizationEndpoint() {
    return URI.create(issuer() + "/authorize");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
