package dev.lockstep.cli.local;

import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseParser;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedEndpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sample platform of {@code docs/examples/sample-platform} that {@code lockstep local} runs:
 * the Kubernetes objects seeded into the simulated cluster before the scenario ({@code
 * cluster.yaml}), the release it upgrades to ({@code release-2.0.0.yaml}), the notifier's team
 * subscriptions ({@code subscriptions.yml}), the platform id and the namespaces the executor may
 * touch, and the variant files that {@link Scenario}s apply to the release. Read from files, so
 * that what the user reads in the docs is what runs.
 *
 * <p>Reading and checking the files is {@code SampleFiles}' work; seeding the simulated cluster and
 * waiting for its workloads is {@code SampleSeeding}'s.
 */
public final class SamplePlatform {

  /** The platform id of the sample. */
  public static final String PLATFORM_ID = "dataos-local";

  /** Where the sample lives, relative to the repository root. */
  public static final Path DIRECTORY = Path.of("docs", "examples", "sample-platform");

  /** The objects seeded into the cluster. */
  public static final String CLUSTER_FILE = "cluster.yaml";

  /** The release the scenario upgrades to. */
  public static final String RELEASE_FILE = "release-2.0.0.yaml";

  /** The notifier's team subscriptions. */
  public static final String SUBSCRIPTIONS_FILE = "subscriptions.yml";

  /**
   * The actor of the seeding requests; it starts with {@code simulated-}, so the cluster's
   * operation log counts the seed as the simulator's and not as code under test.
   */
  public static final String SEED_ACTOR = "simulated-sample-platform";

  /** The port of the simulated endpoints that the release's {@code http} gates ask. */
  public static final int ENDPOINTS_PORT = 8089;

  /** The base URL of the simulated endpoints as the release file writes it. */
  public static final String ENDPOINTS_BASE_URL = "http://127.0.0.1:" + ENDPOINTS_PORT;

  /** The component whose new version the {@code failing-gate} scenario degrades. */
  public static final String FAILING_COMPONENT = "workbench";

  /** The gate that fails in the {@code failing-gate} scenario. */
  public static final String FAILING_GATE = "workbench-health";

  /** postgres's claim, which its backup snapshots and a rollback restores. */
  public static final String POSTGRES_CLAIM = "data-postgres-0";

  private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
  private static final Set<String> WORKLOAD_KINDS = Set.of("Deployment", "StatefulSet");

  private final Path directory;
  private final String releaseYaml;
  private final Release release;
  private final List<HasMetadata> objects;
  private final List<String> teams;
  private final String platformId;

  /** The suffix of the namespaces of a copy ({@code -01}); empty for the sample itself. */
  private final String namespaceSuffix;

  /** Where the release's Helm charts are: the sample's directory, or a rehearsed release's. */
  private final Path chartsDirectory;

  private SamplePlatform(
      Path directory,
      String releaseYaml,
      Release release,
      List<HasMetadata> objects,
      List<String> teams,
      String platformId,
      String namespaceSuffix,
      Path chartsDirectory) {
    this.directory = directory;
    this.releaseYaml = releaseYaml;
    this.release = release;
    this.objects = objects;
    this.teams = teams;
    this.platformId = platformId;
    this.namespaceSuffix = namespaceSuffix;
    this.chartsDirectory = chartsDirectory;
  }

  /**
   * Reads the sample from its directory and checks it: the release must parse without problems and
   * every component of it must have a seeded workload.
   *
   * @throws IllegalArgumentException naming the file and the problem when a file is missing or
   *     invalid
   */
  public static SamplePlatform load(Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    String clusterYaml = SampleFiles.read(dir.resolve(CLUSTER_FILE));
    String releaseYaml = SampleFiles.read(dir.resolve(RELEASE_FILE));
    List<String> teams = SampleFiles.teams(dir.resolve(SUBSCRIPTIONS_FILE));
    ReleaseParser.Result parsed = ReleaseParser.parseYaml(releaseYaml);
    if (!parsed.ok()) {
      throw new IllegalArgumentException(
          dir.resolve(RELEASE_FILE)
              + " is not a valid release: "
              + parsed.errors().stream().map(SampleFiles::describe).toList());
    }
    List<HasMetadata> objects = SampleFiles.parseObjects(dir.resolve(CLUSTER_FILE), clusterYaml);
    SamplePlatform sample =
        new SamplePlatform(
            dir, releaseYaml, parsed.release(), objects, teams, PLATFORM_ID, "", dir);
    sample.check();
    return sample;
  }

  /**
   * A release of one's own on a cluster file of one's own ({@code lockstep local --release FILE
   * --cluster FILE}), with the sample's subscriptions: its http gates rewritten by {@link
   * Rehearsal#gates}, its platform id the one its Namespaces' {@code lockstep.dev/platform} labels
   * agree on (else {@value #PLATFORM_ID}). Every problem of both files and of the faults is
   * reported at once.
   *
   * @throws IllegalArgumentException with one line per problem, each naming its file
   */
  public static SamplePlatform rehearsal(
      Path sampleDirectory, Path releaseFile, Path clusterFile, List<Rehearsal.Fault> faults) {
    Path dir = sampleDirectory.toAbsolutePath().normalize();
    Path releasePath = releaseFile.toAbsolutePath().normalize();
    Path clusterPath = clusterFile.toAbsolutePath().normalize();
    List<String> problems = new java.util.ArrayList<>();
    List<HasMetadata> objects = List.of();
    try {
      objects = SampleFiles.parseObjects(clusterPath, Rehearsal.read(clusterPath));
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    Release release = null;
    String releaseYaml = null;
    try {
      String text = Rehearsal.read(releasePath);
      ReleaseParser.Result parsed = ReleaseParser.parseYaml(text);
      if (parsed.ok()) {
        releaseYaml = Rehearsal.gates(releasePath, text, problems);
        release = ReleaseParser.parseYaml(releaseYaml).release();
      } else {
        parsed.errors().forEach(e -> problems.add(releasePath + ": " + SampleFiles.describe(e)));
      }
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    if (release != null) {
      problems.addAll(Rehearsal.problems(faults, release));
    }
    if (release != null && !objects.isEmpty()) {
      SamplePlatform rehearsed =
          new SamplePlatform(
              dir,
              releaseYaml,
              release,
              objects,
              SampleFiles.teams(dir.resolve(SUBSCRIPTIONS_FILE)),
              Rehearsal.platformId(objects, PLATFORM_ID),
              "",
              releasePath.getParent());
      rehearsed.missingWorkloads(clusterPath.toString()).forEach(problems::add);
      if (problems.isEmpty()) {
        return rehearsed;
      }
    }
    throw new IllegalArgumentException(String.join("\n", problems));
  }

  /**
   * Copy {@code number} (from 1) of this sample, to run beside others on one cluster: platform
   * {@code <platform>-01}, with the namespaces {@code storage-01}, {@code core-01}, {@code apps-01}
   * in its objects and its release (whose http gates ask the simulated endpoints in those
   * namespaces).
   */
  public SamplePlatform copy(String platform, int number) {
    String suffix = SampleCopies.suffix(number);
    String id = SampleCopies.platformId(platform, number);
    Set<String> names = Set.copyOf(namespaces());
    String yaml = SampleCopies.release(releaseYaml, names, suffix);
    ReleaseParser.Result parsed = ReleaseParser.parseYaml(yaml);
    if (!parsed.ok()) {
      throw new IllegalStateException(
          "the copy " + id + " of the sample release is not valid: " + parsed.errors());
    }
    SamplePlatform copy =
        new SamplePlatform(
            directory,
            yaml,
            parsed.release(),
            SampleCopies.objects(objects(), names, id, suffix),
            teams,
            id,
            suffix,
            chartsDirectory);
    copy.check();
    return copy;
  }

  /**
   * This sample with a variant file of its directory applied to its release ({@code
   * scenario-approval.yaml}), or this sample when {@code file} is null. The variant is merged into
   * the release key by key; a list item with the {@code name} of one in the release is merged into
   * it, any other is added (a gate to a component, say). Apply it before {@link #copy}.
   */
  public SamplePlatform variant(String file) {
    if (file == null) {
      return this;
    }
    Path path = directory.resolve(file);
    String yaml = SampleFiles.merge(releaseYaml, path);
    ReleaseParser.Result parsed = ReleaseParser.parseYaml(yaml);
    if (!parsed.ok()) {
      throw new IllegalArgumentException(
          path
              + " does not make a valid release: "
              + parsed.errors().stream().map(SampleFiles::describe).toList());
    }
    SamplePlatform variant =
        new SamplePlatform(
            directory,
            yaml,
            parsed.release(),
            objects,
            teams,
            platformId,
            namespaceSuffix,
            chartsDirectory);
    variant.check();
    return variant;
  }

  /**
   * The name of the datasource of the sample's data: {@value SampleData#DATASOURCE}, with a copy's
   * suffix.
   */
  public String datasource() {
    return SampleData.DATASOURCE + namespaceSuffix;
  }

  /** Every component of the release has a seeded workload. */
  private void check() {
    List<String> missing = missingWorkloads(CLUSTER_FILE + " in " + directory);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(missing.get(0));
    }
  }

  /** A problem for each component of the release whose workload {@code clusterFile} lacks. */
  private List<String> missingWorkloads(String clusterFile) {
    List<String> missing = new java.util.ArrayList<>();
    for (Component component : release.spec().components()) {
      if (component.workload() != null && workloadOf(component).isEmpty()) {
        missing.add(
            clusterFile
                + " has no "
                + component.workload().kind()
                + " "
                + component.workload().namespace()
                + "/"
                + component.workload().name()
                + " for component "
                + component.name()
                + (namespaceSuffix.isEmpty() ? "" : " (copy " + platformId + ")"));
      }
    }
    return missing;
  }

  /**
   * The sample's directory in the repository that contains {@code start}, found by walking up from
   * it (the launcher runs from the root, Maven's tests from a module directory).
   */
  public static Optional<Path> find(Path start) {
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(DIRECTORY);
      if (Files.isRegularFile(candidate.resolve(CLUSTER_FILE))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The directory the sample was read from. */
  public Path directory() {
    return directory;
  }

  /** {@code cluster.yaml}. */
  public Path clusterFile() {
    return directory.resolve(CLUSTER_FILE);
  }

  /** {@code release-2.0.0.yaml}. */
  public Path releaseFile() {
    return directory.resolve(RELEASE_FILE);
  }

  /** {@code subscriptions.yml}, for {@code lockstep.notifier.subscriptions-file}. */
  public Path subscriptions() {
    return directory.resolve(SUBSCRIPTIONS_FILE);
  }

  /** The teams of {@code subscriptions.yml} (whose feeds the notifier keeps), in file order. */
  public List<String> teams() {
    return teams;
  }

  /** {@value #PLATFORM_ID}, or a copy's id ({@code dataos-local-01}). */
  public String platformId() {
    return platformId;
  }

  /**
   * The namespaces the executor may touch on the platform, sorted: those {@code cluster.yaml}
   * creates.
   */
  public List<String> namespaces() {
    Set<String> names = new TreeSet<>();
    for (HasMetadata object : objects) {
      if (object instanceof Namespace) {
        names.add(object.getMetadata().getName());
      }
    }
    return List.copyOf(names);
  }

  /** The release manifest as the file says it, for {@code POST /api/v1/upgrades?platform=}. */
  public String release() {
    return releaseYaml;
  }

  /**
   * The release manifest with the simulated endpoints at {@code endpointsBaseUrl} instead of
   * {@value #ENDPOINTS_BASE_URL} (for endpoints on another port, as in tests).
   */
  public String release(String endpointsBaseUrl) {
    String base =
        endpointsBaseUrl.endsWith("/")
            ? endpointsBaseUrl.substring(0, endpointsBaseUrl.length() - 1)
            : endpointsBaseUrl;
    return releaseYaml.replace(ENDPOINTS_BASE_URL, base);
  }

  /** The parsed release. */
  public Release releaseManifest() {
    return release;
  }

  /** The release's version, e.g. {@code 2.0.0}. */
  public String releaseVersion() {
    return release.metadata().version();
  }

  /** How many components the release has; each runs on the seeded platform. */
  public int componentCount() {
    return release.spec().components().size();
  }

  /** The objects of {@code cluster.yaml}, in file order (copies). */
  public List<HasMetadata> objects() {
    return objects.stream().map(KUBERNETES::clone).toList();
  }

  /**
   * What runs before the scenario: each release component's version as its workload's {@code
   * lockstep.dev/version} annotation says, in release order.
   */
  public Map<String, String> currentVersions() {
    Map<String, String> versions = new LinkedHashMap<>();
    for (Component component : release.spec().components()) {
      seededObjectOf(component)
          .map(w -> w.getMetadata().getAnnotations())
          .map(annotations -> annotations.get("lockstep.dev/version"))
          .ifPresent(version -> versions.put(component.name(), version));
    }
    return versions;
  }

  /**
   * Makes the gate of the {@code failing-gate} scenario ({@value #FAILING_GATE}) fail from now on,
   * or pass again: degrades the new image of {@value #FAILING_COMPONENT} in the endpoints, or
   * restores it (for a copy, in the copy's namespace only).
   */
  public void failGate(SimulatedEndpoints endpoints, boolean failing) {
    Component component =
        release
            .component(FAILING_COMPONENT)
            .orElseThrow(() -> new IllegalStateException("the sample has no " + FAILING_COMPONENT));
    String image = component.image();
    if (namespaceSuffix.isEmpty()) {
      if (failing) {
        endpoints.degrade(image);
      } else {
        endpoints.restore(image);
      }
    } else {
      String namespace = component.workload().namespace();
      if (failing) {
        endpoints.degrade(namespace, image);
      } else {
        endpoints.restore(namespace, image);
      }
    }
  }

  /**
   * Creates every object of {@code cluster.yaml} in the cluster, or replaces it if it exists, as
   * the simulator ({@value #SEED_ACTOR}); the kubelet then starts the workloads' pods.
   *
   * @return the objects as the API server stored them
   */
  public List<HasMetadata> seed(SimulatedCluster cluster) {
    return SampleSeeding.seed(cluster, objects());
  }

  /**
   * Waits until every seeded Deployment and StatefulSet has observed its spec and all its replicas
   * are ready.
   *
   * @throws IllegalStateException naming the workloads that are not ready in time
   */
  public void awaitRunning(SimulatedCluster cluster, Duration timeout) {
    SampleSeeding.awaitRunning(cluster, timeout, objects, customResourceKinds());
  }

  /**
   * The operator-managed kinds the release changes, as {@code <apiVersion>/<kind>}: the executor
   * reports their objects in its inventory ({@code lockstep.platforms.<id>.custom-resources}).
   */
  public List<String> customResourceKinds() {
    return release.spec().components().stream()
        .filter(c -> c.customResource() != null)
        .map(c -> c.customResource().apiVersion() + "/" + c.customResource().kind())
        .distinct()
        .toList();
  }

  /** Where the release's Helm charts are found ({@code lockstep.planner.charts-dir}). */
  public Path chartsDirectory() {
    return chartsDirectory;
  }

  /**
   * The seeded object that says a component's current version: its workload, the Deployment its
   * chart renders (named after the component, in the chart's namespace), or its custom resource.
   */
  private Optional<HasMetadata> seededObjectOf(Component component) {
    if (component.helm() != null) {
      return objects.stream()
          .filter(o -> o.getKind().equals("Deployment"))
          .filter(o -> component.helm().namespace().equals(o.getMetadata().getNamespace()))
          .filter(o -> component.name().equals(o.getMetadata().getName()))
          .findFirst();
    }
    if (component.customResource() != null) {
      var cr = component.customResource();
      return objects.stream()
          .filter(o -> o.getApiVersion().equals(cr.apiVersion()) && o.getKind().equals(cr.kind()))
          .filter(o -> cr.namespace().equals(o.getMetadata().getNamespace()))
          .filter(o -> cr.name().equals(o.getMetadata().getName()))
          .findFirst();
    }
    return workloadOf(component);
  }

  private Optional<HasMetadata> workloadOf(Component component) {
    if (component.workload() == null) {
      return Optional.empty();
    }
    return objects.stream()
        .filter(o -> WORKLOAD_KINDS.contains(o.getKind()))
        .filter(o -> o.getKind().equals(component.workload().kind()))
        .filter(o -> component.workload().namespace().equals(o.getMetadata().getNamespace()))
        .filter(o -> component.workload().name().equals(o.getMetadata().getName()))
        .findFirst();
  }
}
