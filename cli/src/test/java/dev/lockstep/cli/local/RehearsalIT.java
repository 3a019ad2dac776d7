package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.LockstepCommand;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code lockstep local --release FILE --cluster FILE [--fault C:health]}: a small release of two
 * components rehearsed on a cluster file of its own; with a fault, the new web image answers its
 * health gate with 503 and the upgrade rolls back; then {@code lockstep inventory export} of that
 * platform is itself a cluster file on which the release completes.
 */
class RehearsalIT {
  private static final Path SAMPLE = SamplePlatform.find(Path.of("")).orElseThrow();
  private static final Path CHECKOUT = SAMPLE.getParent().getParent().getParent();
  private static final Path RELEASE =
      Path.of("src/test/resources/rehearsal/release.yaml").toAbsolutePath();

  private final StringWriter output = new StringWriter();
  private Path directory;

  @Test
  void aHealthFaultRollsBackAndTheExportedInventoryRehearsesTheReleaseToTheEnd() throws Exception {
    String platform = "shop-" + UUID.randomUUID().toString().substring(0, 8);
    directory = Files.createDirectories(CHECKOUT.resolve("cli/target/e2e").resolve(platform));
    try {
      rehearse(platform);
    } finally {
      // what the local modes printed, next to the services' logs, for whoever reads a failure
      Files.writeString(directory.resolve("local-mode.out"), output.toString());
    }
  }

  private void rehearse(String platform) throws IOException {
    Path cluster =
        Files.writeString(
            directory.resolve("cluster.yaml"),
            Files.readString(RELEASE.resolveSibling("cluster.yaml"))
                .replace(
                    "lockstep.dev/platform: shop-staging", "lockstep.dev/platform: " + platform));
    Path exported = directory.resolve("exported.yaml");

    try (LocalMode local = start(cluster, List.of(Rehearsal.Fault.parse("web:health")))) {
      assertThat(local.platform()).isEqualTo(platform);
      String upgradeId = local.runScenario();

      assertThat(local.upgrade(upgradeId).path("status").asText()).isEqualTo("rolled-back");
      assertThat(local.endedAsExpected()).isTrue();
      assertThat(output.toString())
          .contains("with the platform " + platform + " (2 components in namespaces shop)")
          .contains("faults [web:health]");
      assertThat(cli(local, "inventory", "export", "-p", platform, "-f", exported.toString()))
          .isZero();
    }
    // the shared broker keeps the first platform's events: the second rehearsal is a new platform
    String again = platform + "-again";
    Files.writeString(
        exported,
        Files.readString(exported)
            .replace("lockstep.dev/platform: " + platform, "lockstep.dev/platform: " + again));

    try (LocalMode local = start(exported, List.of())) {
      assertThat(local.platform()).isEqualTo(again);
      assertThat(local.sample().currentVersions())
          .as("the rollback left 1.0.0 running, as the export says")
          .containsEntry("api", "1.0.0")
          .containsEntry("web", "1.0.0");
      String upgradeId = local.runScenario();

      assertThat(local.upgrade(upgradeId).path("status").asText()).isEqualTo("completed");
      assertThat(local.endedAsExpected()).isTrue();
    }
  }

  private LocalMode start(Path cluster, List<Rehearsal.Fault> faults) {
    SamplePlatform platform = SamplePlatform.rehearsal(SAMPLE, RELEASE, cluster, faults);
    return LocalMode.start(
        new LocalMode.Options(
            CHECKOUT,
            directory.resolve(platform.platformId()),
            "happy",
            platform.platformId(),
            false,
            new LocalMode.Infrastructure(KafkaBroker.shared(), Postgres.shared()),
            null,
            false,
            1,
            1,
            new Rehearsal(platform, faults)),
        new PrintWriter(output, true));
  }

  private static int cli(LocalMode local, String... args) {
    StringWriter out = new StringWriter();
    return new picocli.CommandLine(
            new LockstepCommand(local.cliEnvironment(Path.of("target/no-config.json"))))
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(out))
        .execute(args);
  }
}
