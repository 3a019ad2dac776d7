package dev.lockstep.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.events.Json;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Where the services are and the bearer token to call them with. Each value comes from the
 * environment ({@code LOCKSTEP_TOKEN}, {@code LOCKSTEP_PLANNER_URL}, {@code LOCKSTEP_RECORDER_URL},
 * {@code LOCKSTEP_NOTIFIER_URL}), else from the config file ({@link #path}), else from the defaults
 * of the local mode (the ports of DESIGN section 2 on 127.0.0.1; no token).
 *
 * @param token the bearer token, or null when none is configured; never printed
 * @param planner the planner's base URL
 * @param recorder the rca-recorder's base URL
 * @param notifier the notifier's base URL
 * @param kafka the Kafka bootstrap address that producers and readers of the log use, when known
 *     (the local mode writes it; {@code LOCKSTEP_KAFKA_BOOTSTRAP} overrides it)
 * @param postgres the JDBC URL of the rca-recorder's event store, without password, when known
 */
public record CliConfig(
    String token,
    URI planner,
    URI recorder,
    URI notifier,
    @Nullable String kafka,
    @Nullable String postgres) {
  /** The environment variable naming the config file. */
  public static final String CONFIG_ENV = "LOCKSTEP_CONFIG";

  /** The environment variable holding the token. */
  public static final String TOKEN_ENV = "LOCKSTEP_TOKEN";

  /** The environment variable holding the planner's URL. */
  public static final String PLANNER_ENV = "LOCKSTEP_PLANNER_URL";

  /** The environment variable holding the rca-recorder's URL. */
  public static final String RECORDER_ENV = "LOCKSTEP_RECORDER_URL";

  /** The environment variable holding the notifier's URL. */
  public static final String NOTIFIER_ENV = "LOCKSTEP_NOTIFIER_URL";

  /** The environment variable holding the Kafka bootstrap address. */
  public static final String KAFKA_ENV = "LOCKSTEP_KAFKA_BOOTSTRAP";

  /** The planner's URL when nothing else is configured. */
  public static final URI DEFAULT_PLANNER = URI.create("http://127.0.0.1:8081");

  /** The rca-recorder's URL when nothing else is configured. */
  public static final URI DEFAULT_RECORDER = URI.create("http://127.0.0.1:8085");

  /** The notifier's URL when nothing else is configured. */
  public static final URI DEFAULT_NOTIFIER = URI.create("http://127.0.0.1:8084");

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  /** The configuration of an environment: the environment first, then the file, then defaults. */
  public static CliConfig load(Map<String, String> env) {
    Path file = path(env);
    JsonNode saved = read(file);
    String token = firstOf(env.get(TOKEN_ENV), text(saved, "token"));
    return new CliConfig(
        token,
        uri(env, PLANNER_ENV, saved, "planner", DEFAULT_PLANNER, file),
        uri(env, RECORDER_ENV, saved, "recorder", DEFAULT_RECORDER, file),
        uri(env, NOTIFIER_ENV, saved, "notifier", DEFAULT_NOTIFIER, file),
        firstOf(env.get(KAFKA_ENV), text(saved, "kafka")),
        text(saved, "postgres"));
  }

  /** The configuration of the services' HTTP APIs alone (no Kafka or PostgreSQL address). */
  public CliConfig(String token, URI planner, URI recorder, URI notifier) {
    this(token, planner, recorder, notifier, null, null);
  }

  /** The config file: {@code LOCKSTEP_CONFIG}, else {@code ~/.lockstep/config.json}. */
  public static Path path(Map<String, String> env) {
    String explicit = env.get(CONFIG_ENV);
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String home = env.get("HOME");
    if (home == null || home.isBlank()) {
      home = System.getProperty("user.home");
    }
    return Path.of(home, ".lockstep", "config.json");
  }

  /**
   * Writes this configuration as JSON, readable by its owner only where the file system knows POSIX
   * permissions. The file is replaced atomically, so a reader never sees half of it.
   */
  public void save(Path file) {
    ObjectNode json = Json.mapper().createObjectNode();
    if (token != null) {
      json.put("token", token);
    }
    json.put("planner", planner.toString());
    json.put("recorder", recorder.toString());
    json.put("notifier", notifier.toString());
    if (kafka != null) {
      json.put("kafka", kafka);
    }
    if (postgres != null) {
      json.put("postgres", postgres);
    }
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null && !Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        restrict(dir, OWNER_ONLY_DIR);
      }
      Path temp = Files.createTempFile(dir, ".config", ".tmp");
      try {
        restrict(temp, OWNER_ONLY);
        Files.writeString(
            temp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        try {
          Files.move(
              temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the lockstep configuration to " + file, e);
    }
  }

  /** True when a token is configured. */
  public boolean hasToken() {
    return token != null && !token.isBlank();
  }

  /** Never shows the token. */
  @Override
  public String toString() {
    return "CliConfig[token="
        + (hasToken() ? "(set)" : "(none)")
        + ", planner="
        + planner
        + ", recorder="
        + recorder
        + ", notifier="
        + notifier
        + ", kafka="
        + kafka
        + ", postgres="
        + postgres
        + "]";
  }

  private static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
    try {
      Files.setPosixFilePermissions(path, permissions);
    } catch (UnsupportedOperationException e) {
      // a file system without POSIX permissions (Windows): the user's profile protects it
    }
  }

  private static JsonNode read(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode tree = Json.mapper().readTree(Files.readString(file));
      if (tree == null || !tree.isObject()) {
        throw badFile(file, "it is not a JSON object");
      }
      return tree;
    } catch (IOException e) {
      throw badFile(file, "it is not valid JSON");
    }
  }

  private static CliException badFile(Path file, String why) {
    return new CliException(
        ExitCodes.USAGE,
        "cannot read the config file " + file + ": " + why,
        "fix or delete it (`lockstep local` writes a new one), or point "
            + CONFIG_ENV
            + " at another file");
  }

  private static String text(JsonNode saved, String field) {
    if (saved == null) {
      return null;
    }
    JsonNode node = saved.get(field);
    return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
  }

  private static String firstOf(String fromEnv, String fromFile) {
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv : fromFile;
  }

  private static URI uri(
      Map<String, String> env,
      String variable,
      JsonNode saved,
      String field,
      URI fallback,
      Path file) {
    String fromEnv = env.get(variable);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return parse(fromEnv, variable);
    }
    String fromFile = text(saved, field);
    if (fromFile != null) {
      return parse(fromFile, "\"" + field + "\" in " + file);
    }
    return fallback;
  }

  private static URI parse(String text, String where) {
    try {
      URI uri = new URI(text.trim());
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new URISyntaxException(text, "not an http(s) URL with a host");
      }
      String s = uri.toString();
      return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : uri;
    } catch (URISyntaxException e) {
      throw new CliException(
          ExitCodes.USAGE,
          where + " is not an http(s) URL: " + text,
          "give a URL such as http://127.0.0.1:8081");
    }
  }
}
