package dev.lockstep.planner.planning;

import static dev.lockstep.planner.TestingReleases.customResource;
import static dev.lockstep.planner.TestingReleases.helm;
import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.manifests;
import static dev.lockstep.planner.TestingReleases.object;
import static dev.lockstep.planner.TestingReleases.release;
import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.marcnuri.helm.Helm;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.bundles.BundleResolver;
import dev.lockstep.planner.bundles.Bundles;
import dev.lockstep.planner.bundles.HelmChartRenderer;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.model.RunningComponent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four ways of delivering a component (DESIGN section 4), planned: each becomes its step with
 * everything it applies embedded (a chart rendered by the real Helm engine with the release's
 * values), a bundle deletes what its last applied bundle had and it lacks, and every problem of
 * every delivery is listed at once.
 */
class DeliveryPlanningTest {
  private static final Path CHARTS = Path.of("src/test/resources/charts");
  private static final BundleResolver HELM = new BundleResolver(new HelmChartRenderer(CHARTS));
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T01:00:00Z"), ZoneOffset.UTC);

  private static final Map<String, Object> ACCOUNT =
      object("v1", "ServiceAccount", "rok", "rok-operator", Map.of());
  private static final Map<String, Object> OPERATOR =
      object("apps/v1", "Deployment", "rok", "rok-operator", Map.of("spec", Map.of("replicas", 1)));
  private static final Map<String, Object> SETTINGS =
      object("v1", "ConfigMap", "rok", "rok-operator", Map.of("data", Map.of("watch", "rok")));
  private static final Map<String, Object> LEGACY =
      object("v1", "ConfigMap", "rok", "rok-legacy", Map.of("data", Map.of("mode", "legacy")));
  private static final CustomResource ROK_CLUSTER =
      new CustomResource(
          "rok.example.com/v1",
          "RokCluster",
          "rok",
          "main",
          Map.of("spec.version", "2.0.0"),
          Map.of("status.version", "2.0.0", "status.health", "OK"),
          "5m");

  private static UpgradeRequest request(
      Release release,
      List<RunningComponent> now,
      Map<String, List<Map<String, Object>>> applied,
      Set<String> namespaces) {
    return new UpgradeRequest(
        "u-1",
        "p-1",
        release,
        now,
        "1.0.0",
        null,
        namespaces,
        "release",
        HELM.resolve(release, "release"),
        applied);
  }

  private static PlanStep stepOf(Plan plan, String component) {
    return plan.waves().stream()
        .flatMap(w -> w.steps().stream())
        .filter(s -> s.component().equals(component))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, Object> find(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).findFirst().orElseThrow();
  }

  private static Map<String, Object> apiValues(String tag) {
    return Map.of("image", Map.of("tag", tag), "replicas", 3, "metrics", Map.of("enabled", true));
  }

  @Test
  void aReleaseWithOneComponentOfEachKindPlansEachWayWithWhatItApplies() {
    Release release =
        release(
            "2.0.0",
            List.of(),
            image("metis", "core-kernel", "2.0.0", Map.of()),
            manifests("rok-operator", "core-kernel", "2.0.0", SETTINGS, ACCOUNT, OPERATOR),
            helm("rok-api", "user-space", "2.0.0", "rok-api", "1.2.0", "rok", apiValues("2.0.0")),
            customResource("rok-cluster", "user-space", "2.0.0", ROK_CLUSTER));
    List<RunningComponent> now =
        List.of(
            running("metis", "core-kernel", "1.0.0", Map.of()),
            running("rok-operator", "core-kernel", "1.0.0", Map.of()),
            running("rok-api", "user-space", "1.0.0", Map.of()),
            running("rok-cluster", "user-space", "1.0.0", Map.of()));
    Map<String, List<Map<String, Object>>> applied =
        Map.of("rok-operator", List.of(SETTINGS, ACCOUNT, OPERATOR, LEGACY));

    Plan plan =
        UpgradePlanner.plan(request(release, now, applied, Set.of("core", "rok")), CLOCK)
            .planOrThrow();

    assertThat(plan.waves()).extracting(Wave::layer).containsExactly("core-kernel", "user-space");
    PlanStep metis = stepOf(plan, "metis");
    assertThat(metis.action()).isEqualTo(StepAction.SET_IMAGE);
    assertThat(metis.image()).isEqualTo("registry.example.com/metis:2.0.0");

    PlanStep operator = stepOf(plan, "rok-operator");
    assertThat(operator.action()).isEqualTo(StepAction.APPLY);
    assertThat(operator.from()).isEqualTo("1.0.0");
    assertThat(operator.to()).isEqualTo("2.0.0");
    assertThat(operator.objects()).containsExactly(SETTINGS, ACCOUNT, OPERATOR);
    assertThat(operator.targets())
        .containsExactly(new ObjectRef("v1", "ConfigMap", "rok", "rok-legacy"));

    PlanStep api = stepOf(plan, "rok-api");
    assertThat(api.action()).isEqualTo(StepAction.APPLY);
    assertThat(api.objects())
        .extracting(Bundles::ref)
        .containsExactlyInAnyOrder(
            new ObjectRef("v1", "ConfigMap", "rok", "rok-api-config"),
            new ObjectRef("v1", "Service", "rok", "rok-api-metrics"),
            new ObjectRef("apps/v1", "Deployment", "rok", "rok-api"));
    Map<String, Object> deployment = find(api.objects(), "Deployment");
    assertThat(Bundles.at(deployment, "spec.replicas")).contains(3);
    assertThat(Bundles.at(deployment, "spec.template.spec.containers"))
        .get()
        .asString()
        .contains("registry.example.com/rok-api:2.0.0");
    assertThat(Bundles.at(find(api.objects(), "ConfigMap"), "data.version")).contains("2.0.0");
    assertThat(api.targets()).isEmpty();
    assertThat(api.message()).contains("rok-api 1.2.0").contains("namespace rok");

    PlanStep cluster = stepOf(plan, "rok-cluster");
    assertThat(cluster.action()).isEqualTo(StepAction.PATCH_RESOURCE);
    assertThat(cluster.customResource()).isEqualTo(ROK_CLUSTER);
  }

  @Test
  void aChartIsRenderedWithTheReleasesValuesFromADirectoryOrAPackagedChart(@TempDir Path dir) {
    Map<String, Object> values = Map.of("image", Map.of("tag", "2.1.0"));
    Bundles fromDirectory =
        HELM.resolve(
            release(
                "2.1.0",
                List.of(),
                helm("rok-api", "user-space", "2.1.0", "rok-api", "1.2.0", "rok", values)),
            "release");
    new Helm(CHARTS.resolve("rok-api").toAbsolutePath()).packageIt().withDestination(dir).call();
    Bundles fromPackage =
        new BundleResolver(new HelmChartRenderer(dir))
            .resolve(
                release(
                    "2.1.0",
                    List.of(),
                    helm(
                        "rok-api",
                        "user-space",
                        "2.1.0",
                        "rok-api-1.2.0.tgz",
                        "1.2.0",
                        "rok",
                        values)),
                "release");

    assertThat(fromDirectory.errors()).isEmpty();
    List<Map<String, Object>> objects = fromDirectory.objects().get("rok-api");
    assertThat(objects)
        .extracting(o -> o.get("kind"))
        .containsExactlyInAnyOrder("ConfigMap", "Deployment")
        .as("a test hook is never installed, and the values enable no Service")
        .doesNotContain("Pod", "Service");
    Map<String, Object> deployment = find(objects, "Deployment");
    assertThat(Bundles.at(deployment, "spec.replicas")).contains(1);
    assertThat(Bundles.at(deployment, "metadata.namespace")).contains("rok");
    assertThat(Bundles.at(deployment, "spec.template.spec.containers").orElseThrow().toString())
        .contains("registry.example.com/rok-api:2.1.0");
    assertThat(fromPackage.errors()).isEmpty();
    assertThat(fromPackage.objects().get("rok-api")).isEqualTo(objects);
  }

  @Test
  void aComponentDroppedFromTheReleaseTakesItsLastBundleWithIt() {
    Release release = release("2.0.0", List.of(), image("metis", "core-kernel", "2.0.0", Map.of()));
    List<RunningComponent> now =
        List.of(
            running("metis", "core-kernel", "1.0.0", Map.of()),
            running("rok-operator", "core-kernel", "1.0.0", Map.of()));

    Plan plan =
        UpgradePlanner.plan(
                request(
                    release,
                    now,
                    Map.of("rok-operator", List.of(ACCOUNT, OPERATOR, LEGACY)),
                    Set.of("core", "rok")),
                CLOCK)
            .planOrThrow();

    PlanStep remove = stepOf(plan, "rok-operator");
    assertThat(remove.action()).isEqualTo(StepAction.REMOVE);
    assertThat(remove.targets())
        .extracting(ObjectRef::kind, ObjectRef::namespace, ObjectRef::name)
        .containsExactly(
            tuple("Deployment", "core", "rok-operator"),
            tuple("ServiceAccount", "rok", "rok-operator"),
            tuple("Deployment", "rok", "rok-operator"),
            tuple("ConfigMap", "rok", "rok-legacy"));
  }

  @Test
  void everyProblemOfEveryDeliveryIsListedAtOnceWithHelmsOwnMessage() {
    Release release =
        release(
            "2.0.0",
            List.of(),
            helm("no-tag", "user-space", "2.0.0", "rok-api", "1.2.0", "rok", Map.of()),
            helm("broken", "user-space", "2.0.0", "broken", "0.1.0", "rok", Map.of()),
            helm("missing", "user-space", "2.0.0", "nope", "1.0.0", "rok", Map.of()),
            helm("escape", "user-space", "2.0.0", "../../../../../etc", "1.0.0", "rok", Map.of()),
            helm(
                "wrong-version",
                "user-space",
                "2.0.0",
                "rok-api",
                "1.3.0",
                "rok",
                apiValues("2.0.0")),
            helm(
                "no-namespace",
                "user-space",
                "2.0.0",
                "rok-api",
                "1.2.0",
                null,
                apiValues("2.0.0")),
            helm(
                "elsewhere",
                "user-space",
                "2.0.0",
                "rok-api",
                "1.2.0",
                "kube-system",
                apiValues("2.0.0")),
            helm(
                "dashboard-elsewhere",
                "user-space",
                "2.0.0",
                "rok-api",
                "1.2.0",
                "rok",
                Map.of(
                    "image", Map.of("tag", "2.0.0"), "dashboards", Map.of("namespace", "grafana"))),
            manifests(
                "bundle-elsewhere",
                "user-space",
                "2.0.0",
                ACCOUNT,
                object("v1", "ConfigMap", "kube-system", "rok-hook", Map.of()),
                object("rbac.authorization.k8s.io/v1", "ClusterRole", null, "rok-admin", Map.of())),
            customResource(
                "typo",
                "user-space",
                "2.0.0",
                new CustomResource(
                    "rok.example.com/v1",
                    "RokCluster",
                    "rok",
                    "main",
                    Map.of("spec.verison", "2.0.0", "spec.version", "2.0.0"),
                    Map.of(),
                    null)),
            helm(
                "cluster-wide",
                "user-space",
                "2.0.0",
                "rok-api",
                "1.2.0",
                "rok",
                Map.of("image", Map.of("tag", "2.0.0"), "rbac", Map.of("clusterWide", true))),
            helm(
                "with-secret",
                "user-space",
                "2.0.0",
                "rok-api",
                "1.2.0",
                "rok",
                Map.of(
                    "image",
                    Map.of("tag", "2.0.0"),
                    "credentials",
                    Map.of("password", "hunter2"))));
    Map<String, List<Map<String, Object>>> applied =
        Map.of(
            "rok-seed",
            List.of(
                object(
                    "rok.example.com/v1",
                    "RokCluster",
                    "rok",
                    "main",
                    Map.of("spec", Map.of("version", "1.0.0")))));

    PlanningResult result =
        UpgradePlanner.plan(request(release, List.of(), applied, Set.of("rok")), CLOCK);

    assertThat(result).isInstanceOf(PlanningResult.Rejected.class);
    List<ErrorDetail> errors = ((PlanningResult.Rejected) result).errors();
    assertThat(errors)
        .extracting(ErrorDetail::code, ErrorDetail::path)
        .containsExactlyInAnyOrder(
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[0].helm.chart"),
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[1].helm.chart"),
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[2].helm.chart"),
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[3].helm.chart"),
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[4].helm.version"),
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[5].helm.namespace"),
            tuple(Codes.NAMESPACE_NOT_ALLOWED, "release.spec.components[6].helm.namespace"),
            tuple(Codes.NAMESPACE_NOT_ALLOWED, "release.spec.components[7].helm"),
            tuple(
                Codes.NAMESPACE_NOT_ALLOWED,
                "release.spec.components[8].manifests[1].metadata.namespace"),
            tuple(Codes.NAMESPACE_NOT_ALLOWED, "release.spec.components[8].manifests[2]"),
            tuple(
                Codes.INVALID_MANIFEST,
                "release.spec.components[9].customResource.set.spec.verison"),
            tuple(Codes.NAMESPACE_NOT_ALLOWED, "release.spec.components[10].helm"),
            tuple(Codes.INVALID_MANIFEST, "release.spec.components[11].helm.chart"));
    assertThat(errors)
        .extracting(ErrorDetail::message)
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith("component 'no-tag': chart 'rok-api' does not render: ")
                    .contains("image.tag is required"))
        .anySatisfy(
            m -> assertThat(m).startsWith("component 'broken': chart 'broken' does not render: "))
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith(
                        "component 'missing': chart 'nope' does not render: no such chart in the"
                            + " charts directory"))
        .anySatisfy(m -> assertThat(m).contains("the path leads outside the charts directory"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .isEqualTo(
                        "component 'wrong-version': chart 'rok-api' is version 1.2.0, but the"
                            + " release asks for 1.3.0"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("renders objects of namespaced kinds without a namespace")
                    .contains("Deployment 'no-namespace'")
                    .endsWith("set helm.namespace"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith(
                        "component 'elsewhere' touches namespace 'kube-system', which platform p-1"
                            + " does not allow"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith(
                        "component 'dashboard-elsewhere' touches namespace 'grafana' (its chart"
                            + " renders ConfigMap 'dashboard-elsewhere-dashboard'), which"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .isEqualTo(
                        "component 'cluster-wide' renders ClusterRole 'cluster-wide-reader',"
                            + " outside every namespace: platform p-1 lets Lockstep act only in its"
                            + " namespaces [rok]; install cluster-scoped objects outside Lockstep"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith(
                        "component 'with-secret': chart 'rok-api' renders Secret"
                            + " 'with-secret-credentials', whose values would reach Lockstep's"
                            + " events"))
        .noneSatisfy(m -> assertThat(m).contains("hunter2"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith(
                        "component 'bundle-elsewhere' touches namespace 'kube-system' (ConfigMap"
                            + " 'rok-hook'), which platform p-1 does not allow"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .isEqualTo(
                        "component 'typo' sets 'spec.verison', which RokCluster rok/main does not"
                            + " have (as in the bundle component 'rok-seed' applied last)"));
  }
}
