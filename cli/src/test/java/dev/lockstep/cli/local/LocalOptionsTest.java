package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.LockstepCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code lockstep local --replicas N --platforms M} out of range is a usage error (exit code 2)
 * that says what is allowed, before anything starts.
 */
class LocalOptionsTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "--replicas, 0, '--replicas must be 1 to 5, not 0'",
    "--replicas, 6, '--replicas must be 1 to 5, not 6'",
    "--platforms, 0, '--platforms must be 1 to 200, not 0'",
    "--platforms, 201, '--platforms must be 1 to 200, not 201'",
    "--replicas, two, is not an int"
  })
  void anOutOfRangeCountIsAUsageError(String option, String value, String message) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(
                new LockstepCommand(
                    Map.of("LOCKSTEP_CONFIG", dir.resolve("config.json").toString())))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute("local", option, value, "--checkout", dir.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains(message);
    assertThat(out.toString()).as("nothing started").isEmpty();
  }
}
