package dev.lockstep.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token and endpoints: environment first, then the config file, then the local defaults. */
class CliConfigTest {
  @TempDir Path dir;

  @Test
  void withNothingConfiguredTheLocalModesPortsAreUsedAndNoToken() {
    CliConfig config =
        CliConfig.load(Map.of("LOCKSTEP_CONFIG", dir.resolve("none.json").toString()));

    assertThat(config.token()).isNull();
    assertThat(config.planner()).isEqualTo(URI.create("http://127.0.0.1:8081"));
    assertThat(config.recorder()).isEqualTo(URI.create("http://127.0.0.1:8085"));
    assertThat(config.notifier()).isEqualTo(URI.create("http://127.0.0.1:8084"));
  }

  @Test
  void theFileOverridesTheDefaultsAndTheEnvironmentOverridesTheFile() {
    Path file = dir.resolve("config.json");
    new CliConfig(
            "file-token",
            URI.create("http://planner.file:9081"),
            URI.create("http://recorder.file:9085"),
            URI.create("http://notifier.file:9084"))
        .save(file);

    CliConfig fromFile = CliConfig.load(Map.of("LOCKSTEP_CONFIG", file.toString()));
    CliConfig mixed =
        CliConfig.load(
            Map.of(
                "LOCKSTEP_CONFIG", file.toString(),
                "LOCKSTEP_TOKEN", "env-token",
                "LOCKSTEP_RECORDER_URL", "https://recorder.env/"));

    assertThat(fromFile.token()).isEqualTo("file-token");
    assertThat(fromFile.planner()).isEqualTo(URI.create("http://planner.file:9081"));
    assertThat(mixed.token()).isEqualTo("env-token");
    assertThat(mixed.planner()).as("not in the environment").isEqualTo(fromFile.planner());
    assertThat(mixed.recorder())
        .as("trailing slash dropped, so paths join cleanly")
        .isEqualTo(URI.create("https://recorder.env"));
    assertThat(mixed.notifier()).isEqualTo(URI.create("http://notifier.file:9084"));
  }

  @Test
  void theBrokerAndTheEventStoreAddressesAreKeptAndTheEnvironmentOverridesTheBroker() {
    Path file = dir.resolve("config.json");
    new CliConfig(
            "t",
            URI.create("http://127.0.0.1:8081"),
            URI.create("http://127.0.0.1:8085"),
            URI.create("http://127.0.0.1:8084"),
            "localhost:40521",
            "jdbc:postgresql://localhost:5432/lockstep_recorder?user=postgres")
        .save(file);

    CliConfig saved = CliConfig.load(Map.of("LOCKSTEP_CONFIG", file.toString()));
    CliConfig overridden =
        CliConfig.load(
            Map.of(
                "LOCKSTEP_CONFIG", file.toString(), "LOCKSTEP_KAFKA_BOOTSTRAP", "broker.env:9092"));

    assertThat(saved.kafka()).isEqualTo("localhost:40521");
    assertThat(saved.postgres())
        .isEqualTo("jdbc:postgresql://localhost:5432/lockstep_recorder?user=postgres");
    assertThat(overridden.kafka()).isEqualTo("broker.env:9092");
    assertThat(
            CliConfig.load(Map.of("LOCKSTEP_CONFIG", dir.resolve("none.json").toString())).kafka())
        .as("nothing configured")
        .isNull();
  }

  @Test
  void theFileIsFoundThroughLockstepConfigElseUnderHome() {
    assertThat(CliConfig.path(Map.of("LOCKSTEP_CONFIG", "/etc/lockstep.json")))
        .isEqualTo(Path.of("/etc/lockstep.json"));
    assertThat(CliConfig.path(Map.of("HOME", "/home/ada")))
        .isEqualTo(Path.of("/home/ada/.lockstep/config.json"));
  }

  @Test
  void saveCreatesTheFolderAndWritesAFileOnlyItsOwnerCanRead() throws Exception {
    Path file = dir.resolve("home/.lockstep/config.json");
    CliConfig config =
        new CliConfig(
            "secret-token",
            CliConfig.DEFAULT_PLANNER,
            CliConfig.DEFAULT_RECORDER,
            CliConfig.DEFAULT_NOTIFIER);

    config.save(file);
    config.save(file);

    assertThat(CliConfig.load(Map.of("LOCKSTEP_CONFIG", file.toString()))).isEqualTo(config);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
    try (var files = Files.list(file.getParent())) {
      assertThat(files).as("no temporary file left behind").containsExactly(file);
    }
  }

  @Test
  void theTokenNeverShowsInTheConfigsText() {
    CliConfig config =
        new CliConfig(
            "secret-token",
            CliConfig.DEFAULT_PLANNER,
            CliConfig.DEFAULT_RECORDER,
            CliConfig.DEFAULT_NOTIFIER);

    assertThat(config.toString()).doesNotContain("secret-token").contains("token=(set)");
  }

  @Test
  void aBrokenFileOrUrlIsAUsageErrorThatNamesIt() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{not json");

    assertThatThrownBy(() -> CliConfig.load(Map.of("LOCKSTEP_CONFIG", file.toString())))
        .isInstanceOfSatisfying(
            CliException.class,
            e -> {
              assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
              assertThat(e.getMessage()).contains(file.toString()).contains("not valid JSON");
            });
    assertThatThrownBy(
            () ->
                CliConfig.load(
                    Map.of(
                        "LOCKSTEP_CONFIG",
                        dir.resolve("none.json").toString(),
                        "LOCKSTEP_PLANNER_URL",
                        "planner:8081")))
        .isInstanceOfSatisfying(
            CliException.class,
            e -> {
              assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
              assertThat(e.getMessage()).startsWith("LOCKSTEP_PLANNER_URL is not an http(s) URL");
            });
  }
}
