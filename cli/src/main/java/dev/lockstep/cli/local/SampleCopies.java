package dev.lockstep.cli.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Copies of the {@link SamplePlatform} that run side by side on one cluster ({@code lockstep local
 * --platforms M}): each copy has a platform id of its own and the sample's namespaces with a suffix
 * ({@code storage-01}, {@code core-01}, {@code apps-01}), in its objects and in its release (the
 * workloads, gate targets, chart and custom resource namespaces, and the http gates' URLs, whose
 * first path segment is the namespace the simulated endpoints look in).
 */
final class SampleCopies {

  private SampleCopies() {}

  /** The platform id of copy {@code number} (from 1) of a platform: {@code dataos-local-01}. */
  static String platformId(String platform, int number) {
    return platform + suffix(number);
  }

  /** The namespace suffix of copy {@code number} (from 1): {@code -01}. */
  static String suffix(int number) {
    return String.format("-%02d", number);
  }

  /**
   * The objects with the namespaces renamed: each Namespace of {@code namespaces} and everything in
   * one (cluster-scoped objects stay as they are, and are shared by the copies).
   */
  static List<HasMetadata> objects(
      List<HasMetadata> objects, Set<String> namespaces, String platformId, String suffix) {
    List<HasMetadata> renamed = new ArrayList<>();
    for (HasMetadata object : objects) {
      String namespace = object.getMetadata().getNamespace();
      if (object instanceof Namespace && namespaces.contains(object.getMetadata().getName())) {
        String name = object.getMetadata().getName() + suffix;
        object.getMetadata().setName(name);
        Map<String, String> labels = new LinkedHashMap<>();
        if (object.getMetadata().getLabels() != null) {
          labels.putAll(object.getMetadata().getLabels());
        }
        labels.put("kubernetes.io/metadata.name", name);
        labels.put("lockstep.dev/platform", platformId);
        object.getMetadata().setLabels(labels);
      } else if (namespace != null && namespaces.contains(namespace)) {
        object.getMetadata().setNamespace(namespace + suffix);
      }
      renamed.add(object);
    }
    return renamed;
  }

  /**
   * The release text with every {@code namespace:} of one of {@code namespaces} and every http gate
   * URL of the simulated endpoints ({@code http://127.0.0.1:8089/apps/...}) in the copy's
   * namespace, and the sample data's datasource ({@value SampleData#DATASOURCE}) with the copy's
   * suffix: each copy's data is a database of its own.
   */
  static String release(String releaseYaml, Set<String> namespaces, String suffix) {
    String names = String.join("|", namespaces.stream().map(Pattern::quote).toList());
    Matcher fields =
        Pattern.compile("(namespace:\\s*)(" + names + ")(?![-.\\w])").matcher(releaseYaml);
    String text =
        fields.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + suffix));
    Matcher urls =
        Pattern.compile(
                "(" + Pattern.quote(SamplePlatform.ENDPOINTS_BASE_URL) + "/)(" + names + ")/")
            .matcher(text);
    text = urls.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + suffix + "/"));
    Matcher datasources =
        Pattern.compile(
                "(datasource:\\s*)(" + Pattern.quote(SampleData.DATASOURCE) + ")(?![-.\\w])")
            .matcher(text);
    return datasources.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + suffix));
  }
}
