package dev.lockstep.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.LockstepCommand;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.events.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every client subcommand shares: {@code --output text|json}, the configuration and the
 * services' client from the root command (so a test runs a command in-process against the URLs and
 * token of an environment map), stdout and stderr from picocli, and the translation of every
 * failure into {@code error:} and {@code hint:} lines on stderr and an exit code.
 */
public abstract class ServiceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      converter = OutputFormat.Converter.class,
      completionCandidates = OutputFormat.Names.class,
      description = "text (default) for people, or json: the service's answer and nothing else")
  OutputFormat output;

  private ServiceClient client;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (CommandLine.ParameterException e) {
      throw e;
    } catch (CliException e) {
      err().flush();
      for (String line : e.lines()) {
        err().println(line);
      }
      err().flush();
      return e.exitCode();
    } catch (RuntimeException e) {
      err().println("error: unexpected failure: " + e);
      err().println("hint: this is a defect of the lockstep command; please report it");
      if (root().env().containsKey("LOCKSTEP_DEBUG")) {
        e.printStackTrace(err());
      }
      err().flush();
      return ExitCodes.INTERNAL;
    }
  }

  /** Does the work; returns the exit code. */
  protected abstract int run();

  /** The services' client, configured from the root command's environment. */
  protected ServiceClient client() {
    if (client == null) {
      client = new ServiceClient(root().config(), root().configFile());
    }
    return client;
  }

  /** The root command, however deep this subcommand is ({@code lockstep inventory export}). */
  protected LockstepCommand root() {
    for (CommandSpec parent = spec.parent(); parent != null; parent = parent.parent()) {
      if (parent.userObject() instanceof LockstepCommand root) {
        return root;
      }
    }
    throw new IllegalStateException(spec.name() + " is not a subcommand of lockstep");
  }

  /** True for {@code --output json}. */
  protected boolean json() {
    return output == OutputFormat.JSON;
  }

  /** stdout. */
  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** stderr. */
  protected PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints lines on stdout. */
  protected void print(List<String> lines) {
    for (String line : lines) {
      out().println(line);
    }
    out().flush();
  }

  /** Prints JSON on stdout, indented. */
  protected void printJson(JsonNode json) {
    try {
      out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
    out().flush();
  }

  /** A note for people on stderr, so that stdout holds only what scripts read. */
  protected void note(String line) {
    if (!json()) {
      err().println(line);
      err().flush();
    }
  }

  /** A usage error (exit code 2, with the command's usage). */
  protected CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
