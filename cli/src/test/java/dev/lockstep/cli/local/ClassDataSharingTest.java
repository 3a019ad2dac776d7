package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.local.ServiceProcess.ClassArchive;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service of the local mode starts from the class data sharing archive written from its first
 * run, and never from a stale one: real JVMs run a small program laid out as a service's build
 * output ({@code target/classes}) the way {@link ServiceProcess} starts a service, and {@code jcmd}
 * writes the archive from the running JVM.
 */
class ClassDataSharingTest {
  private static final List<String> JVM = List.of("-Xmx64m", "-XX:+UseSerialGC");

  @TempDir Path module;
  private Path classes;

  @BeforeEach
  void compileAProgram() throws IOException {
    classes = Files.createDirectories(module.resolve("target/classes"));
    Path source = module.resolve("src/Hello.java");
    Files.createDirectories(source.getParent());
    Files.writeString(
        source,
        "public class Hello { public static void main(String[] a) throws Exception {"
            + " System.out.println(\"hello \" + java.util.List.of(a)); System.out.flush();"
            + " if (a.length > 0 && a[0].equals(\"stay\")) { Thread.sleep(120_000); } } }");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, "-d", classes.toString(), source.toString())).isZero();
    Files.createDirectories(classes.resolve("db/recorder"));
    Files.writeString(classes.resolve("db/recorder/V1__schema.sql"), "select 1;");
  }

  @Test
  void theSecondStartLoadsTheProgramFromTheArchiveWrittenWhileTheFirstRan() throws Exception {
    ClassArchive first = prepare();
    assertThat(first.writing()).isTrue();
    Process running = start(first);
    assertThat(first.write(running)).isTrue();
    // killed with -9 after its dump: the archive stays
    running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    first.abandon();

    ClassArchive second = prepare();
    assertThat(second.writing()).isFalse();
    assertThat(second.options()).anyMatch(o -> o.startsWith("-XX:SharedArchiveFile="));
    assertThat(run(second, List.of("-Xlog:class+load=info")))
        .contains("hello []")
        .containsPattern("Hello source: shared objects file \\(top\\)");
    assertThat(archives()).hasSize(1);
    assertThat(temporaryFiles()).isEmpty();
  }

  @Test
  void aChangedClassGetsANewArchiveAndTheOldOneGoes() throws Exception {
    ClassArchive first = prepare();
    writeFrom(first);
    List<Path> before = archives();
    assertThat(before).hasSize(1);

    Path hello = classes.resolve("Hello.class");
    Files.setLastModifiedTime(hello, FileTime.from(Instant.now().plusSeconds(5)));
    ClassArchive rebuilt = prepare();
    assertThat(rebuilt.writing()).isTrue();
    assertThat(rebuilt.classpath().get(0)).isNotEqualTo(first.classpath().get(0));
    writeFrom(rebuilt);

    assertThat(archives()).hasSize(1).doesNotContainAnyElementsOf(before);
    assertThat(prepare().writing()).isFalse();
  }

  @Test
  void aRunThatEndsBeforeItsArchiveIsWrittenLeavesNone() throws Exception {
    ClassArchive first = prepare();
    run(first, List.of());
    first.abandon();

    assertThat(archives()).isEmpty();
    assertThat(temporaryFiles()).isEmpty();
    assertThat(prepare().writing()).isTrue();
  }

  @Test
  void anArchiveAnotherInstanceWroteIsNotWrittenAgain() throws Exception {
    ClassArchive one = prepare();
    ClassArchive other = prepare();
    Process first = start(one);
    Process second = start(other);
    try {
      assertThat(one.write(first)).isTrue();
      Path written = archives().get(0);
      FileTime at = Files.getLastModifiedTime(written);
      assertThat(other.write(second)).isTrue();
      assertThat(archives()).containsExactly(written);
      assertThat(Files.getLastModifiedTime(written)).isEqualTo(at);
      assertThat(temporaryFiles()).isEmpty();
    } finally {
      first.destroyForcibly();
      second.destroyForcibly();
    }
  }

  @Test
  void resourcesAndTheirDirectoriesAreFoundInTheClassesJar() throws Exception {
    Path jar = prepare().classpath().get(0);
    assertThat(jar.getFileName().toString()).endsWith(".jar");
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      assertThat(Collections.list(loader.getResources("db/recorder"))).hasSize(1);
      assertThat(loader.getResource("db/recorder/V1__schema.sql")).isNotNull();
      assertThat(loader.loadClass("Hello")).isNotNull();
    }
  }

  @Test
  void anotherDirectoryOfClassesOnTheClassPathMeansNoArchive() throws IOException {
    Path other = Files.createDirectories(module.resolve("other/classes"));
    Files.writeString(other.resolve("x.txt"), "x");
    List<Path> classpath = List.of(classes, other);

    ClassArchive archive = ClassArchive.prepare(LockstepService.VALIDATOR, classpath, JVM);

    assertThat(archive.options()).isEmpty();
    assertThat(archive.classpath()).isEqualTo(classpath);
  }

  private ClassArchive prepare() {
    return ClassArchive.prepare(LockstepService.VALIDATOR, List.of(classes), JVM);
  }

  private List<Path> archives() throws IOException {
    try (Stream<Path> files = Files.list(module.resolve("target/cds"))) {
      return files.filter(f -> f.toString().endsWith(".jsa")).toList();
    }
  }

  private List<Path> temporaryFiles() throws IOException {
    try (Stream<Path> files = Files.list(module.resolve("target/cds"))) {
      return files.filter(f -> f.toString().endsWith(".tmp")).toList();
    }
  }

  /** Starts the program, waits until it has started, writes its archive and stops it. */
  private static void writeFrom(ClassArchive archive) throws Exception {
    Process running = start(archive);
    try {
      assertThat(archive.write(running)).isTrue();
    } finally {
      running.destroy();
      running.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts the program to stay running, as a service does; returns once it has printed. */
  private static Process start(ClassArchive archive) throws IOException {
    Process process =
        new ProcessBuilder(command(archive, List.of(), "stay")).redirectErrorStream(true).start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    assertThat(output.readLine()).isEqualTo("hello [stay]");
    return process;
  }

  /** Runs the program as ServiceProcess runs a service; its output. */
  private static String run(ClassArchive archive, List<String> extra) throws Exception {
    Process process = new ProcessBuilder(command(archive, extra)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  private static List<String> command(ClassArchive archive, List<String> extra, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM);
    command.addAll(archive.options());
    command.addAll(extra);
    command.add("-cp");
    command.add(
        archive.classpath().stream()
            .map(Path::toString)
            .collect(Collectors.joining(java.io.File.pathSeparator)));
    command.add("Hello");
    command.addAll(List.of(args));
    return command;
  }
}
