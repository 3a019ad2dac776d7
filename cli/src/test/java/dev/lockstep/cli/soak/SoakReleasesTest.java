package dev.lockstep.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The soak's releases: the sample with every version bumped, each a valid release. */
class SoakReleasesTest {
  private static final Path SAMPLE =
      SamplePlatform.find(Path.of("")).orElseThrow().resolve(SamplePlatform.RELEASE_FILE);

  private final SoakReleases releases = new SoakReleases(read(), Set.of("notebooks"));

  @Test
  void theFirstReleaseIsTheSampleItself() {
    Release first = ReleaseParser.parseYaml(releases.release(1)).release();
    Release sample = ReleaseParser.parseYaml(read()).release();
    assertThat(first.metadata().version()).isEqualTo("2.0.0");
    for (Component component : sample.spec().components()) {
      assertThat(first.component(component.name()).orElseThrow().version())
          .isEqualTo(component.version());
    }
  }

  @Test
  void laterReleasesBumpEveryPatchAndNotebooksMajor() {
    Release third = ReleaseParser.parseYaml(releases.release(3)).release();
    assertThat(third.metadata().version()).isEqualTo("2.0.2");
    Component postgres = third.component("postgres").orElseThrow();
    assertThat(postgres.version()).isEqualTo("15.4.2");
    assertThat(postgres.image()).isEqualTo("registry.example.com/postgres:15.4.2");
    assertThat(third.component("notebooks").orElseThrow().version()).isEqualTo("4.0.0");
    assertThat(third.component("notebooks").orElseThrow().image()).endsWith(":4.0.0");
    Component metis = third.component("metis").orElseThrow();
    assertThat(metis.migration().image()).isEqualTo("registry.example.com/metis-migrate:2.4.2");
    assertThat(metis.migration().args()).containsExactly("--from", "2.3.1", "--to", "2.4.2");
    Component rok = third.component("rok").orElseThrow();
    assertThat(rok.version()).isEqualTo("1.5.2");
    assertThat(rok.customResource().set()).containsEntry("spec.version", "1.5.2");
    assertThat(rok.customResource().readyWhen()).containsEntry("status.version", "1.5.2");
    // a chart has one version: the component keeps it
    assertThat(third.component("manager").orElseThrow().version()).isEqualTo("1.7.0");
    // the ranges stay, and the bumped versions stay inside them
    assertThat(third.component("metis").orElseThrow().requires()).containsEntry("poros", "^1.10.0");
    assertThat(releases.image("workbench", 3)).isEqualTo("registry.example.com/workbench:1.5.2");
    assertThat(releases.versions(3)).containsEntry("query-gateway", "2.8.2");
  }

  @Test
  void versionsBumpAsDocumented() {
    assertThat(SoakReleases.bump("1.10.0", 5, false)).isEqualTo("1.10.4");
    assertThat(SoakReleases.bump("2.0.0", 5, true)).isEqualTo("6.0.0");
    assertThat(SoakReleases.retag("registry:5000/team/app:1.0.0", "1.0.7"))
        .isEqualTo("registry:5000/team/app:1.0.7");
  }

  private static String read() {
    try {
      return Files.readString(SAMPLE);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
