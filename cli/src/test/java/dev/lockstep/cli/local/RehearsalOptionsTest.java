package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.LockstepCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lockstep local --release FILE --cluster FILE --fault C:KIND}: every problem of the files
 * and the options is a usage error (exit code 2) before anything starts, all of them at once; a
 * good pair of files is rehearsed on the platform its Namespaces name, its http gates on the
 * simulated endpoints.
 */
class RehearsalOptionsTest {
  private static final Path SAMPLE = SamplePlatform.find(Path.of("")).orElseThrow();
  private static final Path CHECKOUT = SAMPLE.getParent().getParent().getParent();

  @TempDir Path dir;

  @Test
  void everyProblemOfTheReleaseTheClusterAndTheFaultsIsListedAtOnce() throws Exception {
    String release =
        Files.readString(resource("release.yaml"))
                .replace(
                    "http: { url: \"http://web.shop:80/\", expectStatus: 200 }",
                    "http: { url: \"https://status.example.com/web\", expectStatus: 200 }")
            + """
                - name: cart
                  layer: frontend
                  version: 1.0.0
                  workload: { kind: Deployment, namespace: shop, name: cart, container: cart }
                  image: registry.example.com/shop/cart:1.0.0
                  gates:
                    - name: cart-errors
                      prometheus: { query: "sum(rate(errors[1m]))", successCondition: "result < 1" }
            """;
    Path file = Files.writeString(dir.resolve("release.yaml"), release);

    Run run =
        local(
            "--release",
            file.toString(),
            "--cluster",
            resource("cluster.yaml").toString(),
            "--fault",
            "nope:health",
            "--fault",
            "web:explode");

    assertThat(run.code).isEqualTo(2);
    assertThat(run.err)
        .contains(file + ": spec.components[1].gates[0] (web-health): the http gate asks")
        .contains("https://status.example.com/web, which a rehearsal cannot reach")
        .contains("spec.components[2].gates[0] (cart-errors): a prometheus gate")
        .contains("has no Deployment shop/cart for component cart")
        .contains("--fault nope:health: the release has no component nope (it has api, web, cart)")
        .contains("--fault web:explode: expected COMPONENT:rollout or COMPONENT:health");
    assertThat(run.out).as("nothing started").isEmpty();
  }

  @Test
  void aReleaseThatDoesNotParseListsEveryErrorOfTheParserAndAMissingClusterFile() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("release.yaml"),
            Files.readString(resource("release.yaml"))
                .replace("  version: 1.1.0\nspec:", "spec:")
                .replace("layer: frontend", "layer: middle"));

    Run run =
        local("--release", file.toString(), "--cluster", dir.resolve("absent.yaml").toString());

    assertThat(run.code).isEqualTo(2);
    assertThat(run.err)
        .contains(file + ": metadata.version")
        .contains(file + ": spec.components[1].layer")
        .contains(dir.resolve("absent.yaml") + ": no such file");
  }

  @Test
  void aRehearsalRunsOnOnePlatformWithTheHappyScenario() {
    Path release = resource("release.yaml");

    Run copies = local("--release", release.toString(), "--platforms", "2");
    Run scenario = local("--release", release.toString(), "--scenario", "failing-gate");

    assertThat(copies.code).isEqualTo(2);
    assertThat(copies.err).contains("--platforms 2 cannot be combined with --release");
    assertThat(scenario.code).isEqualTo(2);
    assertThat(scenario.err).contains("--scenario failing-gate cannot be combined with --release");
  }

  @Test
  void theRehearsedPlatformIsTheOneItsNamespacesNameWithItsGatesOnTheSimulatedEndpoints() {
    SamplePlatform shop =
        SamplePlatform.rehearsal(
            SAMPLE, resource("release.yaml"), resource("cluster.yaml"), List.of());

    assertThat(shop.platformId()).isEqualTo("shop-staging");
    assertThat(shop.namespaces()).containsExactly("shop");
    assertThat(shop.currentVersions())
        .containsExactly(Map.entry("api", "1.0.0"), Map.entry("web", "1.0.0"));
    assertThat(shop.release("http://127.0.0.1:4711"))
        .contains("http://127.0.0.1:4711/shop/api/health")
        .contains("http://127.0.0.1:4711/shop/web/health")
        .doesNotContain("svc.cluster.local");
    assertThat(shop.teams()).isEqualTo(SamplePlatform.load(SAMPLE).teams());
  }

  private static Path resource(String name) {
    return Path.of("src/test/resources/rehearsal", name).toAbsolutePath();
  }

  private Run local(String... options) {
    List<String> args = new ArrayList<>(List.of("local", "--checkout", CHECKOUT.toString()));
    args.addAll(List.of(options));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new picocli.CommandLine(
                new LockstepCommand(
                    Map.of("LOCKSTEP_CONFIG", dir.resolve("config.json").toString())))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {}
}
