package dev.lockstep.runtime.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.jwt.validator.ReactiveJsonWebTokenValidator;
import io.micronaut.security.token.validator.TokenValidator;
import jakarta.inject.Named;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import javax.crypto.spec.SecretKeySpec;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies bearer tokens, in one of two modes chosen by configuration and never both:
 *
 * <ul>
 *   <li><b>an organisation's identity provider</b> ({@code lockstep.security.jwks-url}): RS256 or
 *       ES256 signatures checked against the provider's JWKS (fetched, cached and refreshed by
 *       Nimbus), the issuer ({@code lockstep.security.issuer}) and the audience ({@code
 *       lockstep.security.audience}) both required and checked; a token signed with a shared secret
 *       is refused;
 *   <li><b>the local mode</b> ({@code lockstep.security.jwt-secret}, at least 32 bytes): HS256
 *       tokens signed with that secret, issuer {@code lockstep} unless configured, the audience
 *       checked when one is configured.
 * </ul>
 *
 * <p>Either way {@code sub} and {@code exp} are required (a minute of clock skew is allowed), the
 * roles come from the {@code roles} claim and the platforms a token is limited to from the {@code
 * platforms} claim ({@link PlatformAccess}). It replaces Micronaut's own JWT validator, so that no
 * other signature configuration can let a token in. Created at start, so a service with neither
 * mode configured does not start.
 */
@Context
@Replaces(ReactiveJsonWebTokenValidator.class)
public class TokenVerifier implements TokenValidator<HttpRequest<?>> {
  private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);
  private static final int MIN_SECRET_BYTES = 32;

  private final ConfigurableJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final ExecutorService blocking;
  private final String mode;

  public TokenVerifier(
      @Named(TaskExecutors.BLOCKING) ExecutorService blocking,
      @Nullable @Value("${lockstep.security.jwks-url:}") String jwksUrl,
      @Nullable @Value("${lockstep.security.jwt-secret:}") String secret,
      @Nullable @Value("${lockstep.security.issuer:}") String issuer,
      @Nullable @Value("${lockstep.security.audience:}") String audience) {
    this.blocking = blocking;
    // Nimbus asks its sets whether they hold null, which Set.of refuses to answer
    Set<String> required = new HashSet<>(List.of("sub", "exp"));
    if (present(jwksUrl)) {
      if (!present(issuer) || !present(audience)) {
        throw new IllegalStateException(
            "lockstep.security.jwks-url needs lockstep.security.issuer and"
                + " lockstep.security.audience: a token of the provider is accepted only for this"
                + " issuer and audience");
      }
      JWKSource<SecurityContext> keys;
      try {
        keys = JWKSourceBuilder.<SecurityContext>create(URI.create(jwksUrl).toURL()).build();
      } catch (MalformedURLException | IllegalArgumentException e) {
        throw new IllegalStateException("lockstep.security.jwks-url is not a URL: " + jwksUrl, e);
      }
      processor.setJWSKeySelector(
          new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), keys));
      processor.setJWTClaimsSetVerifier(
          new DefaultJWTClaimsVerifier<>(
              new HashSet<>(List.of(audience)),
              new JWTClaimsSet.Builder().issuer(issuer).build(),
              required,
              null));
      mode = "JWKS " + jwksUrl + " (RS256, ES256), issuer " + issuer + ", audience " + audience;
    } else if (present(secret)) {
      byte[] key = secret.getBytes(StandardCharsets.UTF_8);
      if (key.length < MIN_SECRET_BYTES) {
        throw new IllegalStateException(
            "lockstep.security.jwt-secret must be at least " + MIN_SECRET_BYTES + " bytes");
      }
      processor.setJWSKeySelector(
          new SingleKeyJWSKeySelector<>(JWSAlgorithm.HS256, new SecretKeySpec(key, "HmacSHA256")));
      String expectedIssuer = present(issuer) ? issuer : "lockstep";
      processor.setJWTClaimsSetVerifier(
          new DefaultJWTClaimsVerifier<>(
              present(audience) ? new HashSet<>(List.of(audience)) : null,
              new JWTClaimsSet.Builder().issuer(expectedIssuer).build(),
              required,
              null));
      mode = "local HS256, issuer " + expectedIssuer;
    } else {
      throw new IllegalStateException(
          "no way to verify tokens: set lockstep.security.jwks-url (with issuer and audience) for"
              + " an organisation's identity provider, or lockstep.security.jwt-secret for the"
              + " local mode");
    }
    LOG.info("bearer tokens: {}", mode);
  }

  /**
   * Verifies off the event loop (a first JWKS fetch is network I/O): one authentication, or none
   * when the token is not to be trusted (the request is then unauthorized).
   */
  @Override
  public Publisher<Authentication> validateToken(String token, @Nullable HttpRequest<?> request) {
    return subscriber ->
        subscriber.onSubscribe(
            new Subscription() {
              private boolean started;

              @Override
              public synchronized void request(long n) {
                if (started || n <= 0) {
                  return;
                }
                started = true;
                blocking.execute(
                    () -> {
                      Authentication authentication;
                      try {
                        authentication = verify(token);
                      } catch (RuntimeException e) {
                        subscriber.onError(e);
                        return;
                      }
                      if (authentication != null) {
                        subscriber.onNext(authentication);
                      }
                      subscriber.onComplete();
                    });
              }

              @Override
              public synchronized void cancel() {
                started = true;
              }
            });
  }

  /** The authentication a token carries, or null when it is not to be trusted. */
  @Nullable
  Authentication verify(String token) {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException | BadJOSEException | JOSEException e) {
      LOG.debug("refused a bearer token: {}", e.getMessage());
      return null;
    }
    Map<String, Object> attributes = new HashMap<>();
    List<String> platforms = strings(claims.getClaim(PlatformAccess.CLAIM));
    if (platforms != null) {
      attributes.put(PlatformAccess.CLAIM, platforms);
    }
    List<String> roles = strings(claims.getClaim("roles"));
    return Authentication.build(
        claims.getSubject(), roles == null ? List.of() : new HashSet<>(roles), attributes);
  }

  private static List<String> strings(Object claim) {
    if (claim instanceof List<?> list) {
      return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }
    if (claim instanceof String s) {
      return List.of(s);
    }
    return null;
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}
