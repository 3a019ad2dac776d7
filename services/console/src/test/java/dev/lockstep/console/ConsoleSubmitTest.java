package dev.lockstep.console;

import static dev.lockstep.console.TestingConsole.HTTP;
import static dev.lockstep.console.TestingConsole.field;
import static dev.lockstep.console.TestingConsole.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.console.pages.Html;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.ReleaseParser;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Submitting a release from the console, over real HTTP against a real HTTP server standing in for
 * the planner: a pasted or uploaded release is previewed as its plan, or as every problem with its
 * path with the text kept to be corrected; the confirmation submits exactly the previewed release
 * with the operator's token and sends the browser to the new upgrade; a form without the session's
 * CSRF token, a token without the submitter role and a release over 1 MiB send nothing.
 */
class ConsoleSubmitTest {
  /** A release as the manifests' own example writes it. */
  private static final String RELEASE =
      """
      apiVersion: lockstep.dev/v1
      kind: Release
      metadata:
        name: dataos
        version: 2.4.0
        notes: Faster metadata sync.
      spec:
        layers: [cloud-kernel, core-kernel]
        components:
          - name: postgres
            layer: cloud-kernel
            version: 15.4.0
            workload: { kind: StatefulSet, namespace: data, name: postgres, container: postgres }
            image: registry.example.com/postgres:15.4.0
            backup: { volumeSnapshotClass: csi-snapclass }
          - name: metis
            layer: core-kernel
            version: 2.4.0
            requires: { postgres: ">=15.0.0 <16.0.0" }
            workload: { kind: Deployment, namespace: core, name: metis, container: metis }
            image: registry.example.com/metis:2.4.0
        gates:
          - name: error-rate
            prometheus: { query: 'sum(rate(http_errors_total[1m]))', successCondition: "result < 0.01" }
            interval: 10s
            count: 3
            failureLimit: 1
      """;

  /** A release with several problems (shared-events' broken.yaml). */
  private static final String BROKEN =
      """
      apiVersion: lockstep.dev/v2
      kind: Release
      metadata:
        name: dataos
        version: 2.4
      spec:
        layers: [cloud-kernel, core-kernel]
        components:
          - name: postgres
            layer: cloud-kernel
            version: 15.4.0
            workload: { kind: StatefulSet, namespace: data, name: postgres }
            image: registry.example.com/postgres:15.4.0
          - name: metis
            layer: user-space
            version: 2.4.0
            requries: { postgres: ">=15" }
            requires: { postgres: "banana", kafka: "^3.0.0" }
            workload: { kind: Deployment, namespace: core, name: metis }
            image: registry.example.com/metis:2.4.0
          - name: postgres
            layer: cloud-kernel
            version: 15.5.0
            helm: { chart: charts/postgres, version: 1.0.0 }
        gates:
          - name: error-rate
            prometheus: { query: 'up' }
            interval: soon
      """;

  /** The planner's preview of {@link #RELEASE}, as it answers it (a plan, upgrade id "preview"). */
  private static final String PLAN =
      """
      {"upgradeId":"preview","platform":"dataos-a","mode":"upgrade","fromRelease":"2.3.0",
       "toRelease":"2.4.0",
       "versions":[{"component":"postgres","layer":"cloud-kernel","from":"15.3.0","to":"15.4.0"},
                   {"component":"metis","layer":"core-kernel","from":"2.3.1","to":"2.4.0"}],
       "waves":[{"index":0,"layer":"cloud-kernel","steps":[
          {"id":"s-0-1","component":"postgres","action":"backup","from":"15.3.0","to":"15.4.0",
           "workload":{"kind":"StatefulSet","namespace":"data","name":"postgres","container":"postgres"},
           "backup":{"volumeSnapshotClass":"csi-snapclass"}},
          {"id":"s-0-2","component":"postgres","action":"set-image","from":"15.3.0","to":"15.4.0",
           "workload":{"kind":"StatefulSet","namespace":"data","name":"postgres","container":"postgres"},
           "image":"registry.example.com/postgres:15.4.0"}],
         "gates":[{"name":"error-rate","kind":"prometheus","spec":{"name":"error-rate",
           "prometheus":{"query":"sum(rate(http_errors_total[1m]))","successCondition":"result < 0.01"},
           "interval":"10s","count":3,"failureLimit":1}}]},
        {"index":1,"layer":"core-kernel","steps":[
          {"id":"s-1-1","component":"metis","action":"set-image","from":"2.3.1","to":"2.4.0",
           "workload":{"kind":"Deployment","namespace":"core","name":"metis","container":"metis"},
           "image":"registry.example.com/metis:2.4.0"}],
         "gates":[{"name":"error-rate","kind":"prometheus","spec":{"name":"error-rate",
           "prometheus":{"query":"sum(rate(http_errors_total[1m]))","successCondition":"result < 0.01"},
           "interval":"10s","count":3,"failureLimit":1}}]}],
       "risk":{"score":42,"factors":["stateful change: postgres"]},
       "expectedDowntime":"PT2M",
       "window":{"notBefore":"2026-11-22T10:15:30Z","notAfter":"2026-11-22T12:15:30Z"},
       "releaseNotes":"Faster metadata sync.","expectedDuration":"PT9M"}
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static TestingServices services;
  private static TestingConsole console;

  @BeforeAll
  static void start() throws Exception {
    services = new TestingServices();
    services.answer(
        "/api/v1/platforms/dataos-a",
        "{\"platform\":\"dataos-a\",\"release\":\"2.3.0\",\"inventory\":[],\"queue\":[]}");
    services.answer(
        "/api/v1/platforms/dataos-a/available-upgrades",
        "{\"platform\":\"dataos-a\",\"releases\":[]}");
    console =
        TestingConsole.start(services, Map.of("lockstep.console.platforms", List.of("dataos-a")));
  }

  @AfterAll
  static void stop() throws Exception {
    TestingConsole.closeAll(console, services);
  }

  @Test
  void aPastedReleaseIsPreviewedAsItsPlan() throws Exception {
    services.answerPost("/api/v1/plans/preview", 200, PLAN);
    String token = token("sam", List.of("viewer", "submitter"));
    String cookie = console.signIn(token);

    HttpResponse<String> form = console.get("/submit?platform=dataos-a", cookie);
    assertThat(form.statusCode()).isEqualTo(200);
    assertThat(form.body())
        .contains("<textarea id=\"release\"")
        .contains("id=\"preview\"")
        .contains("id=\"platform\" name=\"platform\"")
        .contains("value=\"dataos-a\"");

    HttpResponse<String> preview = pasted(cookie, field(form.body(), "csrf"), RELEASE);

    assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);
    assertThat(preview.body())
        .contains("Preview: dataos-a to 2.4.0")
        .contains("Wave 0")
        .contains("cloud-kernel")
        .contains("backup")
        .contains("registry.example.com/postgres:15.4.0")
        .contains("Wave 1")
        .contains("error-rate")
        .contains("successCondition result &lt; 0.01")
        .contains("42 of 100")
        .contains("stateful change: postgres")
        .contains("2 min")
        .contains("datetime=\"2026-11-22T10:15:30Z\"")
        .contains("id=\"submit\"")
        .doesNotContain(token);
    // the planner was asked with the operator's token, the YAML read into the request's tree
    List<TestingServices.Seen> asked = posts(token, "/api/v1/plans/preview");
    assertThat(asked).hasSize(1);
    JsonNode request = JSON.readTree(asked.get(0).body());
    assertThat(request.path("platform").asText()).isEqualTo("dataos-a");
    assertThat(request.path("release")).isEqualTo(new YAMLMapper().readTree(RELEASE));
    assertThat(posts(token, "/api/v1/upgrades")).as("a preview submits nothing").isEmpty();
  }

  @Test
  void aBadReleaseShowsEveryProblemWithItsPathAndKeepsTheText() throws Exception {
    // the planner's real answer: its manifest check of the release at "release"
    List<ErrorDetail> problems =
        ReleaseParser.parse(new YAMLMapper().readTree(BROKEN), "release").errors();
    assertThat(problems).hasSizeGreaterThan(3);
    services.answerPost(
        "/api/v1/plans/preview", 422, JSON.writeValueAsString(Map.of("errors", problems)));
    Operator bea = operator("bea");

    HttpResponse<String> refused = pasted(bea.cookie(), bea.csrf(), BROKEN);

    assertThat(refused.statusCode()).isEqualTo(422);
    List<String> items = errorItems(refused.body());
    assertThat(items).hasSize(problems.size());
    for (int i = 0; i < problems.size(); i++) {
      assertThat(items.get(i))
          .contains(Html.text(problems.get(i).path()))
          .contains(Html.text(problems.get(i).message()));
    }
    assertThat(textarea(refused.body())).isEqualTo(BROKEN);
    assertThat(refused.body()).doesNotContain("id=\"submit\"");

    // what the console finds itself (YAML that does not parse, no platform, a window that is no
    // instant) is listed all at once, the planner not asked
    int asked = posts(bea.token(), "/api/v1/plans/preview").size();
    String unclosed = "apiVersion: lockstep.dev/v1\nspec: [unclosed\n";
    HttpResponse<String> local =
        postMultipart(
            "/submit/preview",
            bea.cookie(),
            Map.of(
                "csrf", bea.csrf(), "platform", " ", "release", unclosed, "notBefore", "tomorrow"),
            null);
    assertThat(local.statusCode()).isEqualTo(422);
    assertThat(errorItems(local.body()))
        .hasSize(3)
        .anySatisfy(li -> assertThat(li).contains("platform"))
        .anySatisfy(li -> assertThat(li).contains("release").contains("not valid YAML at line"))
        .anySatisfy(li -> assertThat(li).contains("window.notBefore").contains("tomorrow"));
    assertThat(textarea(local.body())).isEqualTo(unclosed);
    assertThat(posts(bea.token(), "/api/v1/plans/preview")).hasSize(asked);
  }

  @Test
  void anUploadedFileIsPreviewedAndShownToBeCorrected() throws Exception {
    services.answerPost("/api/v1/plans/preview", 200, PLAN);
    Operator uma = operator("uma");

    HttpResponse<String> preview =
        uploaded(
            uma,
            new FilePart(
                "dataos-2.4.0.yaml",
                "application/x-yaml",
                RELEASE.getBytes(StandardCharsets.UTF_8)));

    assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);
    assertThat(preview.body()).contains("Wave 0").contains("id=\"submit\"");
    assertThat(textarea(preview.body())).isEqualTo(RELEASE);
    List<TestingServices.Seen> asked = posts(uma.token(), "/api/v1/plans/preview");
    assertThat(asked).hasSize(1);
    assertThat(JSON.readTree(asked.get(0).body()).path("release"))
        .isEqualTo(new YAMLMapper().readTree(RELEASE));

    // a picture, or bytes that are not text, is no release: said at "file", nothing asked
    for (FilePart wrong :
        List.of(
            new FilePart("release.png", "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}),
            new FilePart(
                "release.yaml", "application/octet-stream", new byte[] {(byte) 0xff, 0, 1}))) {
      HttpResponse<String> refused = uploaded(uma, wrong);
      assertThat(refused.statusCode()).isEqualTo(422);
      assertThat(errorItems(refused.body()))
          .singleElement()
          .satisfies(li -> assertThat(li).contains("file").contains(wrong.name()));
    }
    assertThat(posts(uma.token(), "/api/v1/plans/preview")).hasSize(1);
  }

  @Test
  void theConfirmationSubmitsExactlyThePreviewedReleaseAndOpensTheUpgrade() throws Exception {
    services.answerPost("/api/v1/plans/preview", 200, PLAN);
    services.answerPost(
        "/api/v1/upgrades", 202, "{\"upgradeId\":\"up-from-console\",\"status\":\"queued\"}");
    Operator olga = operator("olga");
    Map<String, String> form = new LinkedHashMap<>();
    form.put("csrf", olga.csrf());
    form.put("platform", "dataos-a");
    form.put("release", RELEASE);
    form.put("reason", "monthly platform release");
    form.put("upgradeId", "up-from-console");
    form.put("notBefore", "2026-11-22T10:15:30Z");
    HttpResponse<String> preview = postMultipart("/submit/preview", olga.cookie(), form, null);
    assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);

    HttpResponse<String> submitted = confirm(olga, preview);

    assertThat(submitted.statusCode()).isEqualTo(303);
    assertThat(submitted.headers().firstValue("Location")).hasValue("/upgrades/up-from-console");
    List<TestingServices.Seen> upgrades = posts(olga.token(), "/api/v1/upgrades");
    assertThat(upgrades).hasSize(1);
    JsonNode sent = JSON.readTree(upgrades.get(0).body());
    JsonNode previewed = JSON.readTree(posts(olga.token(), "/api/v1/plans/preview").get(0).body());
    assertThat(sent.path("release")).isEqualTo(previewed.path("release"));
    assertThat(sent.path("platform").asText()).isEqualTo("dataos-a");
    assertThat(sent.path("window")).isEqualTo(previewed.path("window"));
    assertThat(sent.path("window").path("notBefore").asText()).isEqualTo("2026-11-22T10:15:30Z");
    assertThat(sent.path("upgradeId").asText()).isEqualTo("up-from-console");
    assertThat(sent.path("reason").asText()).isEqualTo("monthly platform release");

    // a second click on the same confirmation sends nothing more
    HttpResponse<String> again = confirm(olga, preview);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("no longer open");
    assertThat(posts(olga.token(), "/api/v1/upgrades")).hasSize(1);
  }

  @Test
  void aRefusedSubmissionShowsThePlannersAnswerAndKeepsTheForm() throws Exception {
    services.answerPost("/api/v1/plans/preview", 200, PLAN);
    services.answerPost(
        "/api/v1/upgrades",
        409,
        "{\"errors\":[{\"code\":\"conflict\",\"path\":\"upgradeId\","
            + "\"message\":\"upgrade up-taken exists already\"}]}");
    Operator ned = operator("ned");
    HttpResponse<String> preview =
        postMultipart(
            "/submit/preview",
            ned.cookie(),
            Map.of(
                "csrf",
                ned.csrf(),
                "platform",
                "dataos-a",
                "release",
                RELEASE,
                "upgradeId",
                "up-taken"),
            null);

    HttpResponse<String> refused = confirm(ned, preview);

    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(errorItems(refused.body()))
        .singleElement()
        .satisfies(li -> assertThat(li).contains("upgradeId").contains("exists already"));
    assertThat(textarea(refused.body())).isEqualTo(RELEASE);
  }

  @Test
  void aFormWithoutTheSessionsCsrfTokenSendsNothing() throws Exception {
    services.answerPost("/api/v1/plans/preview", 200, PLAN);
    Operator target = operator("mallory-target");

    HttpResponse<String> forged = pasted(target.cookie(), "guessed", RELEASE);
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("Not previewed").contains("CSRF");
    assertThat(posts(target.token(), "/api/v1/plans/preview")).isEmpty();

    HttpResponse<String> preview = pasted(target.cookie(), target.csrf(), RELEASE);
    String id = field(preview.body(), "preview");
    HttpResponse<String> forgedSubmit =
        console.post("/submit", target.cookie(), Map.of("preview", id));
    assertThat(forgedSubmit.statusCode()).isEqualTo(403);
    assertThat(forgedSubmit.body()).contains("Not submitted");
    assertThat(posts(target.token(), "/api/v1/upgrades")).isEmpty();
  }

  @Test
  void aTokenWithoutTheSubmitterRoleIsRefusedAndSendsNothing() throws Exception {
    String token = token("vic", List.of("viewer", "approver"));
    String cookie = console.signIn(token);
    HttpResponse<String> platforms = console.get("/platforms", cookie);
    assertThat(platforms.body()).doesNotContain("href=\"/submit");
    assertThat(console.get("/platforms", console.signIn(token("sue", List.of("submitter")))).body())
        .contains("href=\"/submit?platform=dataos-a\"");

    HttpResponse<String> form = console.get("/submit", cookie);
    assertThat(form.statusCode()).isEqualTo(403);
    assertThat(form.body()).contains("no submitter role").doesNotContain("<textarea");
    String csrf = field(platforms.body(), "csrf");
    HttpResponse<String> preview = pasted(cookie, csrf, RELEASE);
    assertThat(preview.statusCode()).isEqualTo(403);
    assertThat(preview.body()).contains("no submitter role");
    assertThat(console.post("/submit", cookie, Map.of("csrf", csrf, "preview", "x")).statusCode())
        .isEqualTo(403);
    assertThat(services.seen())
        .noneSatisfy(
            s -> {
              assertThat(s.method()).isEqualTo("POST");
              assertThat(s.authorization()).isEqualTo("Bearer " + token);
            });
  }

  @Test
  void aReleaseOverOneMebibyteIsAClearErrorAndSendsNothing() throws Exception {
    Operator big = operator("big");
    String huge = RELEASE + "# " + "x".repeat(1536 * 1024) + "\n";

    HttpResponse<String> pasted = pasted(big.cookie(), big.csrf(), huge);
    assertThat(pasted.statusCode()).isEqualTo(413);
    assertThat(errorItems(pasted.body()))
        .singleElement()
        .satisfies(li -> assertThat(li).contains("release").contains("at most 1 MiB"));

    HttpResponse<String> uploaded =
        uploaded(
            big,
            new FilePart("huge.yaml", "application/yaml", huge.getBytes(StandardCharsets.UTF_8)));
    assertThat(uploaded.statusCode()).isEqualTo(413);
    assertThat(errorItems(uploaded.body()))
        .singleElement()
        .satisfies(li -> assertThat(li).contains("file").contains("at most 1 MiB"));

    // over the console's request limit (4 MB) a browser gets a page at once, on the headers alone
    String page =
        rawPost("/submit/preview", big.cookie(), "multipart/form-data; boundary=b", 5 << 20);
    assertThat(page)
        .startsWith("HTTP/1.1 413")
        .containsIgnoringCase("Content-Type: text/html")
        .contains("class=\"errors\"")
        .contains("exceeds the maximum allowed content length");
    assertThat(services.seen())
        .noneSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer " + big.token()));
  }

  /** An operator signed in with a submitter's token, and the CSRF token of the submit form. */
  private record Operator(String token, String cookie, String csrf) {}

  private static Operator operator(String subject) throws Exception {
    String token = token(subject, List.of("submitter"));
    String cookie = console.signIn(token);
    return new Operator(token, cookie, field(console.get("/submit", cookie).body(), "csrf"));
  }

  /** A release pasted into the form for dataos-a and previewed. */
  private static HttpResponse<String> pasted(String cookie, String csrf, String release)
      throws Exception {
    return postMultipart(
        "/submit/preview",
        cookie,
        Map.of("csrf", csrf, "platform", "dataos-a", "release", release),
        null);
  }

  /** A file uploaded with the form for dataos-a (its text area left empty) and previewed. */
  private static HttpResponse<String> uploaded(Operator operator, FilePart file) throws Exception {
    return postMultipart(
        "/submit/preview",
        operator.cookie(),
        Map.of("csrf", operator.csrf(), "platform", "dataos-a", "release", ""),
        file);
  }

  /** The preview's confirmation, as its Submit button posts it. */
  private static HttpResponse<String> confirm(Operator operator, HttpResponse<String> preview)
      throws Exception {
    return console.post(
        "/submit",
        operator.cookie(),
        Map.of("csrf", operator.csrf(), "preview", field(preview.body(), "preview")));
  }

  /**
   * The answer to a request's headers alone, read from a socket: Java's HTTP client reads no answer
   * before it has sent the whole body, which a server that refuses the body does not read.
   */
  private static String rawPost(String path, String cookie, String contentType, int length)
      throws Exception {
    try (Socket socket = new Socket(console.base().getHost(), console.base().getPort())) {
      socket.setSoTimeout(30_000);
      socket
          .getOutputStream()
          .write(
              ("POST "
                      + path
                      + " HTTP/1.1\r\nHost: "
                      + console.base().getAuthority()
                      + "\r\nOrigin: "
                      + console.base()
                      + "\r\nCookie: lockstep_console="
                      + cookie
                      + "\r\nAccept: text/html\r\nContent-Type: "
                      + contentType
                      + "\r\nContent-Length: "
                      + length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      // the answer's head, then as many bytes as its Content-Length says
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      java.io.InputStream in = socket.getInputStream();
      while (!answer.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          break;
        }
        answer.write(c);
      }
      Matcher declared =
          Pattern.compile("(?i)content-length: *(\\d+)")
              .matcher(answer.toString(StandardCharsets.ISO_8859_1));
      if (declared.find()) {
        answer.write(in.readNBytes(Integer.parseInt(declared.group(1))));
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  /** The POSTs the stand-in planner got to that path with that operator's token. */
  private static List<TestingServices.Seen> posts(String token, String path) {
    return services.seen().stream()
        .filter(s -> s.method().equals("POST"))
        .filter(s -> s.uri().equals(path))
        .filter(s -> ("Bearer " + token).equals(s.authorization()))
        .toList();
  }

  /** Each {@code <li>} of the page's list of errors. */
  private static List<String> errorItems(String html) {
    Matcher list = Pattern.compile("<ul class=\"errors[^\"]*\"[^>]*>(.*?)</ul>").matcher(html);
    assertThat(list.find()).as("a list of errors").isTrue();
    List<String> items = new ArrayList<>();
    Matcher li = Pattern.compile("<li>(.*?)</li>").matcher(list.group(1));
    while (li.find()) {
      items.add(li.group(1));
    }
    return items;
  }

  /** The textarea's text, unescaped as a browser shows it. */
  private static String textarea(String html) {
    Matcher m =
        Pattern.compile("<textarea id=\"release\"[^>]*>(.*?)</textarea>", Pattern.DOTALL)
            .matcher(html);
    assertThat(m.find()).as("the release's textarea").isTrue();
    String text = m.group(1).startsWith("\n") ? m.group(1).substring(1) : m.group(1);
    return text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
  }

  private record FilePart(String name, String contentType, byte[] bytes) {}

  /** A form as a browser sends it with {@code enctype="multipart/form-data"}. */
  private static HttpResponse<String> postMultipart(
      String path, String cookie, Map<String, String> fields, FilePart file) throws Exception {
    String boundary = "----console-test-" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\""
                  + f.getKey()
                  + "\"\r\n\r\n"
                  + f.getValue()
                  + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    if (file != null) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                  + file.name()
                  + "\"\r\nContent-Type: "
                  + file.contentType()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      body.writeBytes(file.bytes());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(console.base().resolve(path))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .header("Origin", console.base().toString())
            .header("Cookie", "lockstep_console=" + cookie)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
