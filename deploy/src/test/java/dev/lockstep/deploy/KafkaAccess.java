package dev.lockstep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Each service's Kafka access as the one list says (the chart's {@code files/kafka-access.txt}),
 * and as the script, the Strimzi users and the services themselves have it.
 */
final class KafkaAccess {
  static final Path LIST = Manifests.CHART.resolve("files/kafka-access.txt");

  /** One service's line of the list, or what another file grants a principal. */
  record Grant(
      String service,
      String principal,
      String group,
      String groupProperty,
      Set<String> reads,
      Set<String> writes,
      Set<String> groups) {}

  private KafkaAccess() {}

  /** The list, by service. */
  static Map<String, Grant> list() {
    Map<String, Grant> grants = new LinkedHashMap<>();
    for (String line : lines(LIST)) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 6) {
        throw new AssertionError("6 columns expected in kafka-access.txt: " + line);
      }
      grants.put(f[0], new Grant(f[0], f[1], f[2], f[3], topics(f[4]), topics(f[5]), Set.of(f[2])));
    }
    return grants;
  }

  /** What the Strimzi users grant, by principal. */
  static Map<String, Grant> strimzi() {
    Map<String, Grant> grants = new LinkedHashMap<>();
    for (JsonNode user :
        Manifests.readAll(Manifests.ROOT.resolve("deploy/kafka/strimzi/users.yaml"))) {
      String principal = user.at("/metadata/name").asText();
      Grant grant = grants.computeIfAbsent(principal, KafkaAccess::empty);
      for (JsonNode rule : user.at("/spec/authorization/acls")) {
        String name = rule.at("/resource/name").asText();
        Set<String> operations = new LinkedHashSet<>();
        rule.path("operations").forEach(o -> operations.add(o.asText()));
        if (operations.stream().anyMatch(o -> Set.of("All", "Alter", "Delete").contains(o))) {
          throw new AssertionError(principal + " may " + operations + " " + name);
        }
        if (rule.at("/resource/type").asText().equals("group")) {
          if (!rule.at("/resource/patternType").asText().equals("prefix")) {
            throw new AssertionError(principal + "'s group ACL is not a prefix: " + rule);
          }
          grant.groups().add(name);
        } else if (operations.contains("Write")) {
          grant.writes().add(name);
        } else if (operations.contains("Read")) {
          grant.reads().add(name);
        }
      }
    }
    return grants;
  }

  /**
   * What create-topics-and-acls.sh grants, by principal: the script run against stand-ins for the
   * Kafka command-line tools that record their arguments.
   */
  static Map<String, Grant> script() {
    return script(Map.of());
  }

  /** What create-topics-and-acls.sh grants with these variables set, by principal. */
  static Map<String, Grant> script(Map<String, String> variables) {
    Map<String, Grant> grants = new LinkedHashMap<>();
    for (String call : runScript(variables)) {
      if (!call.startsWith("kafka-acls.sh ")) {
        continue;
      }
      List<String> args = Arrays.asList(call.split(" "));
      String principal = value(args, "--allow-principal").replaceFirst("^User:", "");
      Grant grant = grants.computeIfAbsent(principal, KafkaAccess::empty);
      Set<String> operations = new TreeSet<>();
      for (int i = 0; i < args.size() - 1; i++) {
        if (args.get(i).equals("--operation")) {
          operations.add(args.get(i + 1));
        }
      }
      if (args.contains("--group")) {
        if (!"prefixed".equals(value(args, "--resource-pattern-type"))) {
          throw new AssertionError("the group ACL is not a prefix: " + call);
        }
        grant.groups().add(value(args, "--group"));
      } else if (operations.contains("Write")) {
        grant.writes().add(value(args, "--topic"));
      } else if (operations.contains("Read")) {
        grant.reads().add(value(args, "--topic"));
      }
    }
    return grants;
  }

  /** The commands the script runs, one a line, with stand-ins for the Kafka tools on PATH. */
  static List<String> runScript() {
    return runScript(Map.of());
  }

  /** The commands the script runs with these variables set. */
  static List<String> runScript(Map<String, String> variables) {
    try {
      Path bin = Files.createTempDirectory("kafka-tools");
      Path log = bin.resolve("calls.log");
      for (String tool : List.of("kafka-topics.sh", "kafka-acls.sh")) {
        Path stub = bin.resolve(tool);
        Files.writeString(stub, "#!/bin/sh\necho \"" + tool + " $*\" >> \"" + log + "\"\n");
        stub.toFile().setExecutable(true);
      }
      ProcessBuilder builder =
          new ProcessBuilder(
                  "bash",
                  Manifests.ROOT.resolve("deploy/kafka/create-topics-and-acls.sh").toString())
              .redirectErrorStream(true);
      builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
      builder.environment().put("BOOTSTRAP", "kafka:9092");
      builder.environment().remove("ACCESS");
      builder.environment().remove("ACLS");
      builder.environment().remove("CDEVENTS_TOPIC");
      builder.environment().putAll(variables);
      String output = run(builder);
      return Files.exists(log) ? Files.readAllLines(log) : List.of("no calls: " + output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What deploy/kafka/generate-strimzi-users.sh prints. */
  static String generatedUsers() {
    return generatedUsers(Map.of());
  }

  /** What deploy/kafka/generate-strimzi-users.sh prints with these variables set. */
  static String generatedUsers(Map<String, String> variables) {
    ProcessBuilder builder =
        new ProcessBuilder(
            "bash", Manifests.ROOT.resolve("deploy/kafka/generate-strimzi-users.sh").toString());
    builder.environment().remove("CDEVENTS_TOPIC");
    builder.environment().putAll(variables);
    return run(builder);
  }

  /**
   * The consumer groups a service joins when nothing overrides them, by property: every {@code
   * ...group} property its code reads (a {@code ${lockstep....group:default}} placeholder, or a
   * {@code group} field of a {@code @ConfigurationProperties} class), with its application.yml's
   * value, else the code's default.
   */
  static Map<String, String> joinedGroups(String service) {
    Map<String, String> defaults = new TreeMap<>();
    Pattern placeholder = Pattern.compile("\\$\\{(lockstep\\.[a-z0-9.\\-]*group):([^}]*)}");
    Pattern prefix = Pattern.compile("@ConfigurationProperties\\(\"([a-z0-9.\\-]+)\"\\)");
    Pattern field = Pattern.compile("private String group = \"([^\"]*)\";");
    try (Stream<Path> files =
        Files.walk(Manifests.ROOT.resolve("services/" + service + "/src/main"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String text = Files.readString(file);
        Matcher m = placeholder.matcher(text);
        while (m.find()) {
          defaults.put(m.group(1), m.group(2));
        }
        Matcher p = prefix.matcher(text);
        Matcher f = field.matcher(text);
        if (p.find() && f.find()) {
          defaults.put(p.group(1) + ".group", f.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode yml =
        Manifests.read(
            Manifests.ROOT.resolve("services/" + service + "/src/main/resources/application.yml"));
    Map<String, String> joined = new TreeMap<>();
    defaults.forEach(
        (property, fallback) -> {
          JsonNode node = yml;
          for (String key : property.split("\\.")) {
            node = node.path(key);
          }
          joined.put(property, node.isValueNode() ? node.asText() : fallback);
        });
    return joined;
  }

  /** The Strimzi user of each service: by its component label, else by its name. */
  static Map<String, String> strimziPrincipals() {
    Map<String, String> principals = new TreeMap<>();
    for (JsonNode user :
        Manifests.readAll(Manifests.ROOT.resolve("deploy/kafka/strimzi/users.yaml"))) {
      String name = user.at("/metadata/name").asText();
      JsonNode component = user.at("/metadata/labels/app.kubernetes.io~1component");
      principals.put(component.isTextual() ? component.asText() : name, name);
    }
    return principals;
  }

  /** The consumer groups the local mode sets, if it sets any ({@code "group", "name"}). */
  static Set<String> localModeGroups() {
    Set<String> groups = new TreeSet<>();
    try {
      String text =
          Files.readString(
              Manifests.ROOT.resolve(
                  "cli/src/main/java/dev/lockstep/cli/local/LocalServices.java"));
      collect(Pattern.compile("\"group\",\\s*\"([^\"]+)\"").matcher(text), groups);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return groups;
  }

  private static Grant empty(String principal) {
    return new Grant(
        null, principal, null, null, new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
  }

  private static Set<String> topics(String column) {
    Set<String> topics = new TreeSet<>();
    if (!column.equals("-")) {
      topics.addAll(Arrays.asList(column.split(",")));
    }
    return topics;
  }

  private static String value(List<String> args, String option) {
    int i = args.indexOf(option);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  private static void collect(Matcher matcher, Set<String> into) {
    while (matcher.find()) {
      into.add(matcher.group(1));
    }
  }

  private static List<String> lines(Path file) {
    try {
      List<String> lines = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank() && !line.startsWith("#")) {
          lines.add(line);
        }
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String run(ProcessBuilder builder) {
    try {
      Process process = builder.redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError(builder.command() + " failed:\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
