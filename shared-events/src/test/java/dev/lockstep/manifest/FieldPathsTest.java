package dev.lockstep.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dotted paths of a custom resource step: set changes only fields that exist and merges maps as
 * a JSON merge patch does; readyWhen reads fields and conditions by type; values compare as text.
 */
class FieldPathsTest {

  private static Map<String, Object> rok() {
    Map<String, Object> storage = new LinkedHashMap<>(Map.of("size", "10Gi", "class", "fast"));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("version", "1.0.0");
    spec.put("storage", storage);
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("version", "1.0.0");
    status.put("nodes", 3);
    status.put(
        "conditions",
        List.of(
            Map.of("type", "Ready", "status", "True", "reason", "Running"),
            Map.of("type", "Degraded", "status", "False")));
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("spec", spec);
    object.put("status", status);
    return object;
  }

  @Test
  void setChangesExistingFieldsAndMergesMaps() {
    Map<String, Object> rok = rok();

    FieldPaths.set(rok, "spec.version", "2.0.0");
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("size", "20Gi");
    patch.put("class", null);
    FieldPaths.set(rok, "spec.storage", patch);

    assertThat(FieldPaths.get(rok, "spec.version")).isEqualTo("2.0.0");
    assertThat(FieldPaths.get(rok, "spec.storage")).isEqualTo(Map.of("size", "20Gi"));
  }

  @Test
  void onlyPathsThatExistCanBeSet() {
    Map<String, Object> rok = rok();

    assertThat(FieldPaths.exists(rok, "spec.version")).isTrue();
    assertThat(FieldPaths.exists(rok, "spec.storage.size")).isTrue();
    assertThat(FieldPaths.exists(rok, "spec.verison")).isFalse();
    assertThat(FieldPaths.exists(rok, "spec.version.major")).isFalse();
    assertThat(FieldPaths.keysNear(rok, "spec.verison")).containsExactly("version", "storage");
  }

  @Test
  void conditionsAreReadByTypeAndValuesCompareAsText() {
    Map<String, Object> rok = rok();

    assertThat(FieldPaths.get(rok, "status.conditions.Ready")).isEqualTo("True");
    assertThat(FieldPaths.get(rok, "status.conditions.Ready.reason")).isEqualTo("Running");
    assertThat(FieldPaths.get(rok, "status.conditions.Upgrading")).isNull();
    assertThat(FieldPaths.get(rok, "status.health")).isNull();
    assertThat(FieldPaths.matches(3, FieldPaths.get(rok, "status.nodes"))).isTrue();
    assertThat(FieldPaths.matches("3", FieldPaths.get(rok, "status.nodes"))).isTrue();
    assertThat(FieldPaths.matches("OK", null)).isFalse();
  }
}
