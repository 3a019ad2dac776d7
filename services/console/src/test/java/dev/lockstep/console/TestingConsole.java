package dev.lockstep.console;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lockstep.runtime.LockstepApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The console running on its own port, and a browser's requests to it: signing in with a token
 * (signed here with {@link #SECRET}), pages fetched and forms posted with the session cookie and
 * the Origin a browser sends, and the event streams read as the browser reads them.
 */
final class TestingConsole implements AutoCloseable {
  /** The HS256 secret the console checks tokens with, unless a test starts it otherwise. */
  static final String SECRET = "a-local-secret-of-at-least-32-bytes-long";

  /** A client that, like a test must, shows each redirect instead of following it. */
  static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private static final String SESSION = "lockstep_console";

  private final ApplicationContext context;
  private final URI base;

  private TestingConsole(ApplicationContext context, URI base) {
    this.context = context;
    this.base = base;
  }

  /**
   * Starts the console on a free port, checking tokens with {@link #SECRET}, with the planner and
   * the recorder at {@code services}, and with the {@code more} properties besides.
   */
  static TestingConsole start(TestingServices services, Map<String, Object> more) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("lockstep.console.planner-url", services.url().toString());
    properties.put("lockstep.console.recorder-url", services.url().toString());
    properties.putAll(more);
    return start(properties);
  }

  /** Starts the console with these properties and nothing else. */
  static TestingConsole start(Map<String, Object> properties) {
    ApplicationContext context = LockstepApplication.builder("console", properties).start();
    try {
      EmbeddedServer server = context.getBean(EmbeddedServer.class);
      server.start();
      return new TestingConsole(context, URI.create("http://127.0.0.1:" + server.getPort()));
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  URI base() {
    return base;
  }

  /** A GET of the console's path, with the session's cookie unless it is null. */
  HttpResponse<String> get(String path, String session) throws Exception {
    return get(base.resolve(path), session == null ? Map.of() : Map.of(SESSION, session));
  }

  /** A form POSTed as a browser sends it: form-encoded, with the console's Origin. */
  HttpResponse<String> post(String path, String session, Map<String, String> form)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", base.toString())
            .POST(HttpRequest.BodyPublishers.ofString(formBody(form)));
    if (session != null) {
      request.header("Cookie", SESSION + "=" + session);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Signs in with the token: a 303 and the session's cookie (HttpOnly, SameSite=Strict). */
  String signIn(String token) throws Exception {
    HttpResponse<String> response = post("/signin", null, Map.of("token", token));
    assertThat(response.statusCode()).isEqualTo(303);
    return session(response);
  }

  /** Opens the event stream of the console's path with the session, as htmx does. */
  HttpResponse<InputStream> stream(String path, String session, String lastEventId)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Cookie", SESSION + "=" + session)
            .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    return response;
  }

  /** The first event of the console's stream at that path. */
  Sse firstEvent(String path, String session) throws Exception {
    AtomicReference<Sse> first = new AtomicReference<>();
    readEvents(
        stream(path, session, null).body(),
        event -> {
          first.set(event);
          return false;
        });
    assertThat(first.get()).as("an event of " + path).isNotNull();
    return first.get();
  }

  @Override
  public void close() {
    context.close();
  }

  /** Closes each in turn, skipping what a failed start left null. */
  static void closeAll(AutoCloseable... resources) throws Exception {
    for (AutoCloseable resource : resources) {
      if (resource != null) {
        resource.close();
      }
    }
  }

  /** One server-sent event as the browser gets it. */
  record Sse(String name, String id, String data) {}

  /**
   * Reads the stream's events, handing each (that has data) to {@code more} until it answers false
   * or the stream ends; closes the stream.
   */
  static void readEvents(InputStream stream, Predicate<Sse> more) throws IOException {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      String name = "message";
      String id = null;
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0 && !more.test(new Sse(name, id, data.toString()))) {
            return;
          }
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
    }
  }

  /** A GET with these cookies (none if empty), to the console or anywhere else. */
  static HttpResponse<String> get(URI uri, Map<String, String> cookies) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
    if (!cookies.isEmpty()) {
      StringBuilder header = new StringBuilder();
      cookies.forEach(
          (k, v) ->
              header.append(header.length() == 0 ? "" : "; ").append(k).append('=').append(v));
      request.header("Cookie", header.toString());
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The form, URL-encoded. */
  static String formBody(Map<String, String> form) {
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return body.toString();
  }

  /** The response's session cookies ({@code lockstep_console=...}), as set. */
  static List<String> sessionCookies(HttpResponse<?> response) {
    return response.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith(SESSION + "="))
        .toList();
  }

  /** The session the response opens: its cookie is set HttpOnly and SameSite=Strict. */
  static String session(HttpResponse<?> response) {
    String cookie = sessionCookies(response).stream().findFirst().orElseThrow();
    assertThat(cookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
    Matcher m = Pattern.compile(SESSION + "=([^;]+)").matcher(cookie);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  /** The value of the page's field of that name (the CSRF token, a preview's id). */
  static String field(String html, String name) {
    Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("a field " + name).isTrue();
    return m.group(1);
  }

  /** A token of the subject with these roles, for every platform, signed with {@link #SECRET}. */
  static String token(String subject, List<String> roles) throws JOSEException {
    return token(subject, roles, null, SECRET);
  }

  /**
   * A token of the subject with these roles, limited to these platforms unless null, signed with
   * that HS256 secret; it expires in an hour.
   */
  static String token(String subject, List<String> roles, List<String> platforms, String secret)
      throws JOSEException {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .issuer("lockstep")
            .claim("roles", roles)
            .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
    if (platforms != null) {
      claims.claim("platforms", platforms);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** Every log line from its start on, to show that no secret reaches one. */
  static final class Logs {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    Logs() {
      appender.start();
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(appender);
    }

    List<String> lines() {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
