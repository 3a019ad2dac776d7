package dev.lockstep.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens of an organisation's identity provider: RS256 and ES256 signatures verified against the
 * provider's JWKS (served by a real HTTP server), issuer and audience checked, and no token signed
 * with a shared secret accepted beside them; a token limited to platforms acts on those alone.
 */
class OrganisationTokensIT {
  private static final String ISSUER = "https://idp.example.org/realms/platform";
  private static final String AUDIENCE = "lockstep";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static HttpServer idp;
  private static ApplicationContext context;
  private static EmbeddedServer server;
  private static RSAKey rsa;
  private static ECKey ec;

  @BeforeAll
  static void start() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    byte[] jwks =
        new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK()))
            .toString()
            .getBytes(StandardCharsets.UTF_8);
    idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext(
        "/jwks",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    idp.start();
    Map<String, Object> properties = new HashMap<>();
    properties.put(
        "lockstep.security.jwks-url", "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks");
    properties.put("lockstep.security.issuer", ISSUER);
    properties.put("lockstep.security.audience", AUDIENCE);
    properties.put("lockstep.security.jwt-secret", "");
    context = TestingServices.start("org-tokens-it", properties);
    server = context.getBean(EmbeddedServer.class).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
    if (context != null) {
      context.close();
    }
    if (idp != null) {
      idp.stop(0);
    }
  }

  private static JWTClaimsSet.Builder claims(List<String> roles) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .subject("ada@example.org")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        .claim("roles", roles);
  }

  private static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet set)
      throws Exception {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), set);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String rs256(JWTClaimsSet set) throws Exception {
    return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, rsa.getKeyID(), set);
  }

  private static int status(String path, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void rs256AndEs256TokensOfTheProviderAreAccepted() throws Exception {
    String es256 =
        sign(
            new ECDSASigner(ec),
            JWSAlgorithm.ES256,
            ec.getKeyID(),
            claims(List.of("viewer")).build());

    assertThat(status("/api/v1/testing/status", rs256(claims(List.of("viewer")).build())))
        .isEqualTo(200);
    assertThat(status("/api/v1/testing/status", es256)).isEqualTo(200);
  }

  @Test
  void aWrongIssuerAudienceExpiryKeyOrASharedSecretIsUnauthorized() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID(rsa.getKeyID()).generate();
    String hs256 =
        sign(
            new MACSigner("a-shared-secret-that-is-long-enough-for-hs256!"),
            JWSAlgorithm.HS256,
            null,
            claims(List.of("viewer")).build());

    assertThat(
            status(
                "/api/v1/testing/status",
                rs256(claims(List.of("viewer")).issuer("https://evil").build())))
        .as("wrong issuer")
        .isEqualTo(401);
    assertThat(
            status(
                "/api/v1/testing/status",
                rs256(claims(List.of("viewer")).audience("other-app").build())))
        .as("wrong audience")
        .isEqualTo(401);
    assertThat(
            status(
                "/api/v1/testing/status",
                rs256(
                    claims(List.of("viewer"))
                        .expirationTime(Date.from(Instant.now().minusSeconds(600)))
                        .build())))
        .as("expired")
        .isEqualTo(401);
    assertThat(
            status(
                "/api/v1/testing/status",
                sign(
                    new RSASSASigner(stranger),
                    JWSAlgorithm.RS256,
                    stranger.getKeyID(),
                    claims(List.of("viewer")).build())))
        .as("signed by a key the provider does not publish")
        .isEqualTo(401);
    assertThat(status("/api/v1/testing/status", hs256)).as("HS256 beside a JWKS").isEqualTo(401);
    assertThat(status("/api/v1/testing/status", null)).isEqualTo(401);
  }

  @Test
  void aTokenLimitedToPlatformsActsOnThoseAlone() throws Exception {
    String limited =
        rs256(claims(List.of("viewer")).claim("platforms", List.of("dataos-*")).build());
    String unlimited = rs256(claims(List.of("viewer")).build());

    assertThat(status("/api/v1/testing/platforms/dataos-prod", limited)).isEqualTo(200);
    assertThat(status("/api/v1/testing/platforms/billing-prod", limited)).isEqualTo(403);
    assertThat(status("/api/v1/testing/platforms/billing-prod", unlimited)).isEqualTo(200);
  }

  @Test
  void aServiceWithAJwksButNoAudienceOrNoWayToVerifyDoesNotStart() {
    assertThatThrownBy(
            () ->
                TestingServices.start(
                    "no-audience",
                    Map.of(
                        "lockstep.security.jwks-url", "http://127.0.0.1:1/jwks",
                        "lockstep.security.issuer", ISSUER,
                        "lockstep.security.jwt-secret", "")))
        .hasStackTraceContaining("needs lockstep.security.issuer and lockstep.security.audience");
    assertThatThrownBy(
            () -> TestingServices.start("no-way", Map.of("lockstep.security.jwt-secret", "")))
        .hasStackTraceContaining("no way to verify tokens");
  }
}
