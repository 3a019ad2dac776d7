package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Least privilege: the executor gets one namespaced Role per allowed namespace of each platform,
 * only the verbs and resources it uses, no wildcards, no Secrets, no cluster-wide grant, no
 * ServiceAccount or RBAC writes unless a platform opts in; the validator only reads.
 */
class ExecutorRbacTest {
  private static final Set<String> EXECUTOR_VERBS =
      Set.of("get", "list", "watch", "create", "update", "patch", "delete");
  private static final Set<String> EXECUTOR_RESOURCES =
      Set.of(
          "deployments",
          "statefulsets",
          "daemonsets",
          "deployments/scale",
          "statefulsets/scale",
          "pods",
          "pods/log",
          "persistentvolumeclaims",
          "jobs",
          "volumesnapshots",
          "configmaps",
          "services",
          "serviceaccounts",
          "ingresses",
          "poddisruptionbudgets",
          "horizontalpodautoscalers",
          "rokclusters",
          "leases");

  private final List<JsonNode> docs =
      Manifests.render(
          t ->
              t.set("platforms[0].id", "alpha")
                  .set("platforms[0].namespaces[0]", "alpha-db")
                  .set("platforms[0].namespaces[1]", "shared")
                  .set("platforms[1].id", "beta")
                  .set("platforms[1].namespaces[0]", "beta-apps")
                  .set("platforms[1].namespaces[1]", "shared")
                  .set("platforms[1].customResources[0].apiVersion", "data.example.com/v1")
                  .set("platforms[1].customResources[0].kind", "RokCluster")
                  .set("platforms[1].customResources[0].resource", "rokclusters"));

  @Test
  void theExecutorHasARoleInEachAllowedNamespaceAndNowhereElse() {
    Set<String> namespaces = new TreeSet<>();
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      if (role.at("/metadata/name").asText().equals("lockstep-executor")) {
        namespaces.add(role.at("/metadata/namespace").asText());
      }
    }

    assertThat(namespaces).containsExactly("alpha-db", "beta-apps", "shared");
    for (String namespace : namespaces) {
      JsonNode binding = binding("lockstep-executor", namespace);
      assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("lockstep-executor");
      assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("lockstep");
      assertThat(binding.at("/roleRef/kind").asText()).isEqualTo("Role");
    }
  }

  @Test
  void noRuleUsesAWildcardOrTouchesSecrets() {
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      for (JsonNode rule : role.path("rules")) {
        for (String field : List.of("apiGroups", "resources", "verbs")) {
          for (JsonNode value : rule.path(field)) {
            assertThat(value.asText())
                .as("%s of %s", field, role.at("/metadata/name"))
                .doesNotContain("*");
          }
        }
        for (JsonNode resource : rule.path("resources")) {
          assertThat(resource.asText())
              .isNotIn("secrets", "serviceaccounts/token", "roles", "rolebindings");
        }
        assertThat(rule.has("nonResourceURLs")).isFalse();
      }
    }
    assertThat(Manifests.ofKind(docs, "ClusterRole")).isEmpty();
    assertThat(Manifests.ofKind(docs, "ClusterRoleBinding")).isEmpty();
  }

  @Test
  void theExecutorGetsOnlyTheVerbsAndResourcesItUses() {
    Set<String> verbs = new HashSet<>();
    Set<String> resources = new HashSet<>();
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      if (role.at("/metadata/name").asText().startsWith("lockstep-executor")) {
        for (JsonNode rule : role.path("rules")) {
          rule.path("verbs").forEach(v -> verbs.add(v.asText()));
          rule.path("resources").forEach(r -> resources.add(r.asText()));
        }
      }
    }

    assertThat(EXECUTOR_VERBS).containsAll(verbs);
    assertThat(EXECUTOR_RESOURCES).containsAll(resources);
    assertThat(verbs).doesNotContain("escalate", "bind", "impersonate", "deletecollection");
  }

  @Test
  void theValidatorOnlyReads() {
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      if (role.at("/metadata/name").asText().equals("lockstep-validator")) {
        for (JsonNode rule : role.path("rules")) {
          rule.path("verbs").forEach(v -> assertThat(v.asText()).isIn("get", "list", "watch"));
        }
      }
    }
  }

  @Test
  void leasesAreGrantedOnlyInLockstepsOwnNamespace() {
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      boolean leases = false;
      for (JsonNode rule : role.path("rules")) {
        for (JsonNode resource : rule.path("resources")) {
          leases |= resource.asText().equals("leases");
        }
      }
      if (leases) {
        assertThat(role.at("/metadata/namespace").asText()).isEqualTo("lockstep");
        Set<String> verbs = new HashSet<>();
        role.path("rules").forEach(rule -> rule.path("verbs").forEach(v -> verbs.add(v.asText())));
        assertThat(verbs)
            .as("exactly what taking, renewing and handing over a Lease needs")
            .containsExactlyInAnyOrder("get", "create", "update");
      }
    }
  }

  @Test
  void serviceAccountsAndRbacAreOnlyReadUnlessThePlatformOptsIn() {
    for (String namespace : List.of("alpha-db", "beta-apps", "shared")) {
      assertThat(writes(docs, namespace, "serviceaccounts"))
          .as("ServiceAccount writes in %s by default", namespace)
          .isEmpty();
      assertThat(writes(docs, namespace, "roles")).isEmpty();
      assertThat(writes(docs, namespace, "rolebindings")).isEmpty();
      assertThat(verbs(docs, namespace, "serviceaccounts")).contains("get", "list", "watch");
    }

    List<JsonNode> optedIn =
        Manifests.render(
            t ->
                t.set("platforms[0].id", "alpha")
                    .set("platforms[0].namespaces[0]", "alpha-db")
                    .set("platforms[1].id", "beta")
                    .set("platforms[1].namespaces[0]", "beta-apps")
                    .set("platforms[1].namespaces[1]", "shared")
                    .set("platforms[1].serviceAccountsAndRbac", "true"));

    for (String namespace : List.of("beta-apps", "shared")) {
      for (String resource : List.of("serviceaccounts", "roles", "rolebindings")) {
        assertThat(writes(optedIn, namespace, resource))
            .as("%s writes in %s, whose platform opted in", resource, namespace)
            .containsExactlyInAnyOrder("create", "update", "delete");
      }
    }
    assertThat(writes(optedIn, "alpha-db", "serviceaccounts")).isEmpty();
    assertThat(writes(optedIn, "alpha-db", "roles")).isEmpty();
    assertThat(verbs(optedIn, "beta-apps", "roles"))
        .doesNotContain("escalate", "bind", "patch", "deletecollection");
  }

  /** The verbs the executor's Role in a namespace grants on a resource. */
  private static Set<String> verbs(List<JsonNode> docs, String namespace, String resource) {
    Set<String> verbs = new TreeSet<>();
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      if (role.at("/metadata/name").asText().equals("lockstep-executor")
          && role.at("/metadata/namespace").asText().equals(namespace)) {
        for (JsonNode rule : role.path("rules")) {
          for (JsonNode r : rule.path("resources")) {
            if (r.asText().equals(resource)) {
              rule.path("verbs").forEach(v -> verbs.add(v.asText()));
            }
          }
        }
      }
    }
    return verbs;
  }

  private static Set<String> writes(List<JsonNode> docs, String namespace, String resource) {
    Set<String> writes = verbs(docs, namespace, resource);
    writes.removeAll(Set.of("get", "list", "watch"));
    return writes;
  }

  private JsonNode binding(String name, String namespace) {
    return Manifests.ofKind(docs, "RoleBinding").stream()
        .filter(b -> b.at("/metadata/name").asText().equals(name))
        .filter(b -> b.at("/metadata/namespace").asText().equals(namespace))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no RoleBinding " + name + " in " + namespace));
  }

  @Test
  void aPlatformsCustomResourcesMayBePatchedAndReadInItsNamespacesOnly() {
    for (JsonNode role : Manifests.ofKind(docs, "Role")) {
      String namespace = role.at("/metadata/namespace").asText();
      boolean executor = role.at("/metadata/name").asText().endsWith("executor");
      List<JsonNode> rules = new java.util.ArrayList<>();
      role.path("rules")
          .forEach(
              r -> {
                if (r.path("resources").toString().contains("rokclusters")) {
                  rules.add(r);
                }
              });
      if (namespace.equals("alpha-db") || namespace.equals("lockstep")) {
        assertThat(rules).as(namespace + " belongs to no platform with RokClusters").isEmpty();
        continue;
      }
      assertThat(rules).as(role.at("/metadata/name").asText() + " in " + namespace).hasSize(1);
      assertThat(rules.get(0).at("/apiGroups/0").asText()).isEqualTo("data.example.com");
      List<String> verbs = new java.util.ArrayList<>();
      rules.get(0).path("verbs").forEach(v -> verbs.add(v.asText()));
      assertThat(verbs)
          .containsExactlyInAnyOrderElementsOf(
              executor
                  ? List.of("get", "list", "watch", "update", "patch")
                  : List.of("get", "list", "watch"));
    }
    JsonNode config =
        Manifests.ofKind(docs, "ConfigMap").stream()
            .filter(c -> c.at("/data/lockstep.yml").isTextual())
            .findFirst()
            .orElseThrow();
    assertThat(config.at("/data/lockstep.yml").asText())
        .contains("custom-resources: [\"data.example.com/v1/RokCluster\"]");
  }
}
