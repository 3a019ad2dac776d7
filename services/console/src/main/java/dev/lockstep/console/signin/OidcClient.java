package dev.lockstep.console.signin;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The console as an OpenID Connect client of the organisation's identity provider ({@code
 * lockstep.console.oidc.*}; off when no issuer is set): the authorization-code flow with PKCE
 * (S256), {@code state} and {@code nonce}. It finds the provider's endpoints by discovery, builds
 * the authorization request, exchanges the code at the token endpoint server to server (the client
 * secret in HTTP basic authentication, never in a URL or a log line) and verifies the ID token
 * (signature by the provider's JWKS, issuer, audience the client id, the nonce, expiry). What it
 * returns is the access token, which the services verify themselves.
 */
@Singleton
public class OidcClient {
  /** The path of the callback, below the console's external base URL. */
  public static final String CALLBACK = "/signin/oidc/callback";

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String issuer;
  private final String clientId;
  private final String clientSecret;
  private final String scopes;
  private final String baseUrl;
  private final String name;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private volatile Provider provider;

  public OidcClient(
      @Nullable @Value("${lockstep.console.oidc.issuer:}") String issuer,
      @Nullable @Value("${lockstep.console.oidc.client-id:}") String clientId,
      @Nullable @Value("${lockstep.console.oidc.client-secret:}") String clientSecret,
      @Nullable @Value("${lockstep.console.oidc.scopes:openid}") String scopes,
      @Nullable @Value("${lockstep.console.oidc.base-url:}") String baseUrl,
      @Nullable @Value("${lockstep.console.oidc.name:}") String name) {
    this.issuer = blank(issuer) ? null : issuer.trim();
    this.clientId = blank(clientId) ? null : clientId.trim();
    this.clientSecret = blank(clientSecret) ? null : clientSecret;
    this.scopes = scopes(scopes);
    this.baseUrl = blank(baseUrl) ? null : baseUrl.trim().replaceAll("/+$", "");
    if (this.issuer != null && (this.clientId == null || this.baseUrl == null)) {
      throw new IllegalStateException(
          "lockstep.console.oidc.issuer needs lockstep.console.oidc.client-id and"
              + " lockstep.console.oidc.base-url (the console's address as browsers reach it, for"
              + " the redirect URI)");
    }
    this.name = blank(name) ? (this.issuer == null ? "" : host(this.issuer)) : name.trim();
  }

  /** Whether OIDC sign-in is configured. */
  public boolean enabled() {
    return issuer != null;
  }

  /** The provider's name on the sign-in button. */
  public String name() {
    return name;
  }

  /** The redirect URI to register at the provider. */
  public String redirectUri() {
    return baseUrl + CALLBACK;
  }

  /**
   * Where to send the browser to sign in: the provider's authorization endpoint with this login's
   * state, nonce and PKCE challenge.
   */
  public URI authorization(OidcLogins.Pending login) throws OidcException {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("response_type", "code");
    query.put("client_id", clientId);
    query.put("redirect_uri", redirectUri());
    query.put("scope", scopes);
    query.put("state", login.state());
    query.put("nonce", login.nonce());
    query.put("code_challenge", challenge(login.verifier()));
    query.put("code_challenge_method", "S256");
    String endpoint = provider().authorizationEndpoint();
    return URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + form(query));
  }

  /**
   * Exchanges the code for tokens and verifies the ID token against the login's nonce.
   *
   * @return the access token
   * @throws OidcException when the provider refuses the code or its ID token is not to be trusted
   */
  public String exchange(String code, OidcLogins.Pending login) throws OidcException {
    Provider endpoints = provider();
    Map<String, String> body = new LinkedHashMap<>();
    body.put("grant_type", "authorization_code");
    body.put("code", code);
    body.put("redirect_uri", redirectUri());
    body.put("code_verifier", login.verifier());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(endpoints.tokenEndpoint()))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json");
    if (clientSecret != null) {
      String basic = encode(clientId) + ":" + encode(clientSecret);
      request.header(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
    } else {
      body.put("client_id", clientId);
    }
    HttpResponse<String> response =
        send(request.POST(HttpRequest.BodyPublishers.ofString(form(body))).build());
    Map<String, Object> tokens = json(response.body());
    if (response.statusCode() != 200) {
      String error = string(tokens, "error");
      String description = string(tokens, "error_description");
      throw new OidcException(
          "The identity provider refused the sign-in: "
              + (error == null ? "HTTP " + response.statusCode() : error)
              + (description == null ? "" : " (" + description + ")")
              + ".");
    }
    String idToken = string(tokens, "id_token");
    String accessToken = string(tokens, "access_token");
    if (idToken == null || accessToken == null) {
      throw new OidcException(
          "The identity provider answered without an ID token or an access token: is the scope"
              + " openid requested?");
    }
    verifyIdToken(endpoints, idToken, login.nonce());
    return accessToken;
  }

  private void verifyIdToken(Provider endpoints, String idToken, String nonce)
      throws OidcException {
    try {
      endpoints.idTokens().process(idToken, null);
    } catch (ParseException | BadJOSEException | JOSEException e) {
      throw new OidcException(
          "The identity provider's ID token was not accepted: " + e.getMessage() + ".");
    }
    String sent;
    try {
      sent = SignedJWT.parse(idToken).getJWTClaimsSet().getStringClaim("nonce");
    } catch (ParseException e) {
      sent = null;
    }
    if (sent == null
        || !MessageDigest.isEqual(
            sent.getBytes(StandardCharsets.UTF_8), nonce.getBytes(StandardCharsets.UTF_8))) {
      throw new OidcException(
          "The identity provider's ID token was not accepted: its nonce is not this sign-in's.");
    }
  }

  /** The provider's endpoints, discovered once (a failed discovery is tried again next time). */
  private Provider provider() throws OidcException {
    Provider known = provider;
    if (known != null) {
      return known;
    }
    synchronized (this) {
      if (provider == null) {
        provider = discover();
      }
      return provider;
    }
  }

  private Provider discover() throws OidcException {
    String where = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(URI.create(where)).timeout(TIMEOUT).GET().build());
    if (response.statusCode() != 200) {
      throw new OidcException(
          "The identity provider's discovery document "
              + where
              + " answered HTTP "
              + response.statusCode()
              + ".");
    }
    Map<String, Object> metadata = json(response.body());
    String declared = string(metadata, "issuer");
    if (!issuer.equals(declared)) {
      throw new OidcException(
          "The identity provider names itself "
              + declared
              + ", not the configured issuer "
              + issuer
              + ".");
    }
    String authorization = string(metadata, "authorization_endpoint");
    String token = string(metadata, "token_endpoint");
    String jwks = string(metadata, "jwks_uri");
    if (authorization == null || token == null || jwks == null) {
      throw new OidcException(
          "The identity provider's discovery document lacks an authorization endpoint, a token"
              + " endpoint or a JWKS.");
    }
    ConfigurableJWTProcessor<SecurityContext> idTokens = new DefaultJWTProcessor<>();
    try {
      idTokens.setJWSKeySelector(
          new JWSVerificationKeySelector<>(
              Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
              JWKSourceBuilder.<SecurityContext>create(URI.create(jwks).toURL()).build()));
    } catch (IOException | IllegalArgumentException e) {
      throw new OidcException("The identity provider's JWKS address is not a URL: " + jwks + ".");
    }
    // Nimbus asks its sets whether they hold null, which Set.of refuses to answer
    idTokens.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            new HashSet<>(List.of(clientId)),
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            new HashSet<>(List.of("sub", "exp", "iat", "nonce")),
            null));
    return new Provider(authorization, token, idTokens);
  }

  private HttpResponse<String> send(HttpRequest request) throws OidcException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new OidcException(
          "The identity provider could not be reached at "
              + request.uri().getScheme()
              + "://"
              + request.uri().getAuthority()
              + ": "
              + e.getClass().getSimpleName()
              + ".");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OidcException("Interrupted while asking the identity provider.");
    }
  }

  private static Map<String, Object> json(String body) throws OidcException {
    try {
      return JSONObjectUtils.parse(body);
    } catch (ParseException e) {
      throw new OidcException("The identity provider answered something that is not JSON.");
    }
  }

  private static String string(Map<String, Object> json, String key) {
    return json.get(key) instanceof String s && !s.isBlank() ? s : null;
  }

  /** The PKCE S256 challenge of a verifier. */
  static String challenge(String verifier) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64URL.encode(hash).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  private static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String scopes(String configured) {
    Set<String> scopes = new LinkedHashSet<>();
    scopes.add("openid");
    if (configured != null) {
      for (String scope : configured.split("[\\s,]+")) {
        if (!scope.isBlank()) {
          scopes.add(scope);
        }
      }
    }
    return String.join(" ", scopes);
  }

  private static String host(String url) {
    try {
      String host = URI.create(url).getHost();
      return host == null ? url : host;
    } catch (IllegalArgumentException e) {
      return url;
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private record Provider(
      String authorizationEndpoint,
      String tokenEndpoint,
      ConfigurableJWTProcessor<SecurityContext> idTokens) {}

  /** A sign-in through the provider that did not succeed, with the reason to show. */
  public static final class OidcException extends Exception {
    public OidcException(String reason) {
      super(reason);
    }
  }
}
