package dev.lockstep.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command answers for itself. */
class LockstepCommandTest {
  @Test
  void helpNamesTheCommandAndSucceeds() {
    StringWriter out = new StringWriter();
    CommandLine command = new CommandLine(new LockstepCommand()).setOut(new PrintWriter(out));

    int code = command.execute("--help");

    assertThat(code).isZero();
    assertThat(out.toString()).contains("Usage: lockstep").contains("--version");
  }

  @Test
  void anUnknownOptionFailsWithAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new LockstepCommand()).setErr(new PrintWriter(err));

    int code = command.execute("--frobnicate");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--frobnicate'");
  }
}
